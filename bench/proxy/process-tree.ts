// A proxy under test is often more than one process (nginx's master and worker, an Isthmus
// proxy with worker processes), so CPU and memory are summed over the process and all its
// descendants, read from /proc like bench/common/proc.ts reads one process.
import { readdirSync, readFileSync } from 'node:fs';
import { cpuSeconds, memory } from '../common/proc.js';

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 4 (ppid) is the second field after the command name's closing parenthesis.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined; // exited while we looked
  }
}

/** `root` and every live descendant. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    const list = children.get(parent) ?? [];
    list.push(pid);
    children.set(parent, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Sum over `pids` of a per-process reading; a process that has exited counts as zero. */
function sum(pids: readonly number[], read: (pid: number) => number): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += read(pid);
    } catch {
      // exited between listing and reading
    }
  }
  return total;
}

export function treeCpuSeconds(pids: readonly number[]): number {
  return sum(pids, cpuSeconds);
}

export function treeRss(pids: readonly number[]): number {
  return sum(pids, (pid) => memory(pid).rss);
}

/** Resident memory by kind: pages backed by files (the node binary, shared libraries) and the rest. */
export interface RssKinds {
  /** RssFile + RssShmem: mostly executable and read-only pages, shared with every process running the same binary. */
  file: number;
  /** RssAnon: the process's own memory (for node: the V8 heap, malloc, thread stacks). */
  anon: number;
}

function rssKinds(pid: number): RssKinds {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { file: kb('RssFile') + kb('RssShmem'), anon: kb('RssAnon') };
}

export function treeRssKinds(pids: readonly number[]): RssKinds {
  return { file: sum(pids, (pid) => rssKinds(pid).file), anon: sum(pids, (pid) => rssKinds(pid).anon) };
}
