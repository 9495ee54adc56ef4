// The contract every benchmark module in bench/ fulfils, so `bench/run.ts` can run them in turn
// (control plane now; proxy, security and mixer later) and write one results file per module.

export interface BenchContext {
  /** The repository root (where bin/ and bench/results/ live). */
  repoRoot: string;
  /** Progress lines for the person watching; not part of the results. */
  log(line: string): void;
}

export interface BenchResult {
  /** Markdown for bench/results/<name>.md, below the common header run.ts writes. */
  markdown: string;
  /** Whether every stated target was met; run.ts prints a summary line. */
  targetsMet: boolean;
}

export interface Benchmark {
  /** File name stem of the results (`bench/results/<name>.md`) and the CLI filter word. */
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}
