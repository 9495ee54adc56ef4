// The floor under every Isthmus row's idle RSS: a node process that loads nothing and waits. Its
// file-backed pages (the node binary) are most of it, so the report can say how much of the
// proxy's idle memory is Isthmus's and how much any node process pays.
import { treeRssKinds, type RssKinds } from './process-tree.js';
import { ServerProcess } from './server-process.js';

export async function nodeFloor(): Promise<RssKinds> {
  const node = await ServerProcess.start('bare node', {
    command: process.execPath,
    args: ['-e', 'setInterval(() => {}, 1000); console.log("ready")'],
    readyLine: /^ready$/,
    readyTimeoutMs: 10_000,
  });
  try {
    return treeRssKinds([node.pid]);
  } finally {
    await node.stop();
  }
}
