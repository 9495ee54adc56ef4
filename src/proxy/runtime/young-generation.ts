// Keeps V8's young generation at its initial size while the proxy starts. Loading modules and the
// first config allocates tens of MB that all survive, which V8 reads as a reason to double the
// new space up to its 32 MB maximum (16 MB semi-spaces); every page of it is then resident until
// the memory reducer shrinks it 15–20 s later. Held at growth factor 1, the start-up objects go
// to old space as they would anyway and the idle proxy is ~25 MB smaller (bench/proxy). Released
// once the proxy is ready, so under load the new space grows as before: throughput and loaded
// RSS do not change.
//
// Set with v8.setFlagsFromString, not a command-line flag: `node bin/isthmus.js proxy` cannot
// add flags to its own process without a second one (Node 20 has no execve), and heap-sizing
// flags such as --max-semi-space-size are read once at start-up. The growth factor is read at
// every scavenge, so changing it at run time takes effect.
import v8 from 'node:v8';

const FLAG = 'semi-space-growth-factor';
/** V8's default (Node 20, V8 11.3): released, the young generation grows as it always did. */
const DEFAULT_GROWTH_FACTOR = 2;

/** Holds the young generation at its current size; the returned function lets it grow again. */
export function holdYoungGeneration(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): () => void {
  // An operator who set the factor (or the semi-space sizes) themselves keeps their choice.
  if (chosenByOperator(execArgv, nodeOptions)) return () => {};
  v8.setFlagsFromString(`--${FLAG}=1`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    v8.setFlagsFromString(`--${FLAG}=${DEFAULT_GROWTH_FACTOR}`);
  };
}

function chosenByOperator(execArgv: readonly string[], nodeOptions: string): boolean {
  const flags = [...execArgv, ...nodeOptions.split(/\s+/)].map((f) => f.replace(/_/g, '-'));
  return flags.some((f) => f.startsWith(`--${FLAG}`) || f.startsWith('--max-semi-space-size') || f.startsWith('--min-semi-space-size'));
}
