// A Zipkin collector for tests: a real HTTP server on loopback that takes POST /api/v2/spans and
// keeps every span it accepted; `answer` scripts the status of the next POSTs (default 202).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ZipkinSpan } from '../../src/mixer/adapters/zipkin/span.js';

export interface Collector {
  url: string;
  spans: ZipkinSpan[];
  /** Every POST as it came: path and how many spans. */
  posts: { path: string; count: number; status: number }[];
  /** Status codes for the next POSTs, in order; 202 once they run out. */
  answer: number[];
  close(): Promise<void>;
}

export async function startCollector(): Promise<Collector> {
  const c: Collector = { url: '', spans: [], posts: [], answer: [], close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const status = c.answer.shift() ?? 202;
      let spans: ZipkinSpan[];
      try {
        spans = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ZipkinSpan[];
      } catch {
        res.writeHead(400);
        res.end('not JSON');
        return;
      }
      c.posts.push({ path: req.url ?? '', count: spans.length, status });
      if (status < 300 && req.method === 'POST' && req.url === '/api/v2/spans') c.spans.push(...spans);
      res.writeHead(status);
      res.end(status < 300 ? '' : `refused with ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  c.url = `http://127.0.0.1:${port}/api/v2/spans`;
  c.close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return c;
}
