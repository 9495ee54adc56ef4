// Summarises a V8 .cpuprofile (written by `node --cpu-prof`): where self time went, by function
// and by file, optionally within a time window. Profile timestamps are CLOCK_MONOTONIC
// microseconds, the same clock as process.hrtime in any process on the machine, so a window
// recorded by the bench selects the samples of one phase of the profiled process.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Window {
  /** Monotonic microseconds (process.hrtime.bigint() / 1000n). */
  fromUs: number;
  toUs: number;
}

export interface SelfTime {
  name: string;
  ms: number;
  /** Share of the non-idle time in the window. */
  share: number;
}

export interface ProfileSummary {
  /** Busy (non-idle) milliseconds sampled in the window. */
  busyMs: number;
  idleMs: number;
  functions: SelfTime[];
  files: SelfTime[];
  /** False when the window matched no samples and the whole profile was used instead. */
  windowed: boolean;
}

/** Where a frame lives, short: `src/control/xds/protos.js`, `grpc-js/…/http2.js`, `node:…`. */
function shortFile(url: string, repoRoot: string): string {
  if (url === '') return '(native)';
  let file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm !== -1) return file.slice(nm + '/node_modules/'.length);
  if (file.startsWith(repoRoot)) file = file.slice(repoRoot.length);
  return file.replace(/^dist\//, '');
}

function frameName(frame: CallFrame, repoRoot: string): string {
  const fn = frame.functionName || '(anonymous)';
  if (frame.url === '') return fn;
  return `${fn} (${shortFile(frame.url, repoRoot)}:${frame.lineNumber + 1})`;
}

function ranked(totals: Map<string, number>, busyMs: number, limit: number): SelfTime[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, ms]) => ({ name, ms, share: busyMs > 0 ? ms / busyMs : 0 }));
}

export function summariseProfile(profile: CpuProfile, repoRoot: string, windows: readonly Window[] = [], limit = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const stamps: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) {
    t += delta;
    stamps.push(t);
  }
  const inWindow = (us: number): boolean => windows.some((w) => us >= w.fromUs && us <= w.toUs);
  const windowed = windows.length > 0 && stamps.some(inWindow);
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let busyMs = 0;
  let idleMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const stamp = stamps[i] as number;
    if (windowed && !inWindow(stamp)) continue;
    // A sample stands for the time until the next one.
    const durationMs = ((stamps[i + 1] ?? profile.endTime) - stamp) / 1000;
    const node = byId.get(profile.samples[i] as number);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += durationMs;
      continue;
    }
    busyMs += durationMs;
    const name = frameName(node.callFrame, repoRoot);
    functions.set(name, (functions.get(name) ?? 0) + durationMs);
    const file = node.callFrame.url === '' ? `(${node.callFrame.functionName || 'native'})` : shortFile(node.callFrame.url, repoRoot);
    files.set(file, (files.get(file) ?? 0) + durationMs);
  }
  return { busyMs, idleMs, functions: ranked(functions, busyMs, limit), files: ranked(files, busyMs, limit), windowed };
}
