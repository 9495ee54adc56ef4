// The downstream request body as the router sends it: nothing when the request has none, a
// buffer when it may be sent more than once (retries, mirroring) and fits the buffer limit, and
// the live stream otherwise (what was already read is replayed first).
import { Readable } from 'node:stream';
import type { DownstreamRequest } from '../http/active-stream.js';

/** Envoy's default per-request buffer limit for retries (per_request_buffer_limit_bytes). */
export const RETRY_BUFFER_LIMIT = 1024 * 1024;

export function hasBody(req: DownstreamRequest, protocol: string): boolean {
  if (protocol === 'HTTP/2') return !(req as { stream?: { endAfterHeaders?: boolean } }).stream?.endAfterHeaders;
  const te = req.headers['transfer-encoding'];
  const cl = req.headers['content-length'];
  return te !== undefined || (cl !== undefined && cl !== '0');
}

export type RequestBody = { kind: 'none' } | { kind: 'buffer'; data: Buffer } | { kind: 'stream'; stream: Readable };

/** Reads up to `limit` bytes; a longer body comes back as a stream that replays what was read. */
export function readBody(req: DownstreamRequest, limit: number, counted: (n: number) => void): Promise<RequestBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      counted(chunk.length);
      chunks.push(chunk);
      if (size > limit) {
        cleanup();
        req.pause();
        resolve({ kind: 'stream', stream: replay(chunks, req, counted) });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve({ kind: 'buffer', data: Buffer.concat(chunks, size) });
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function replay(read: Buffer[], rest: DownstreamRequest, counted: (n: number) => void): Readable {
  return Readable.from((async function* () {
    yield* read;
    for await (const chunk of rest as AsyncIterable<Buffer>) {
      counted(chunk.length);
      yield chunk;
    }
  })());
}
