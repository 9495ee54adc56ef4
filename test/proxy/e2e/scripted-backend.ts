// An HTTP/1.1 upstream whose every answer a test scripts: the resilience and load-balancing
// tests need endpoints that fail on the first try and succeed on the retry, that hang up
// before answering, that hold requests until told to let go, or that turn bad mid-test —
// behaviours a query parameter alone (test/helpers/backends.ts) cannot express, because the
// proxy's retry resends the same URL.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the backend does with one request. */
export type Reply =
  /** Answer with `status` (default 200), after `delayMs` when given. */
  | { kind: 'answer'; status?: number; delayMs?: number }
  /** Close the connection without a byte of response: a reset before headers. */
  | { kind: 'hang-up' }
  /** Keep the request open until release() answers it with 200. */
  | { kind: 'hold' };

export interface SeenRequest {
  method: string;
  /** Path with query, as received. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** 1-based: how many requests for this exact path the backend has received, this one included. */
  nth: number;
}

export type Script = (req: SeenRequest) => Reply;

export interface ScriptedBackend {
  name: string;
  port: number;
  /** Every request received, in order. */
  requests: SeenRequest[];
  /** Decides each reply; tests may swap it. */
  script: Script;
  /** Requests being held (Reply 'hold') right now. */
  readonly held: number;
  /** Answers every held request with 200. */
  release(): void;
  /** Requests received whose path starts with `prefix`. */
  seen(prefix: string): SeenRequest[];
  close(): Promise<void>;
}

export const OK: Reply = { kind: 'answer' };

/** Fails the odd-numbered tries of each path and answers the even ones: a retry always lands. */
export function failEveryOther(failure: Reply): Script {
  return (r) => (r.nth % 2 === 1 ? failure : OK);
}

export async function startScriptedBackend(name: string, script: Script = () => OK): Promise<ScriptedBackend> {
  const requests: SeenRequest[] = [];
  const perPath = new Map<string, number>();
  const held = new Set<http.ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const answer = (req: http.IncomingMessage, res: http.ServerResponse, status: number) => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'content-type': 'text/plain', 'x-backend': name });
    res.end(`${name} ${req.method} ${req.url}\n`);
  };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      const nth = (perPath.get(path) ?? 0) + 1;
      perPath.set(path, nth);
      const seen: SeenRequest = { method: req.method ?? '', path, headers: req.headers, nth };
      requests.push(seen);
      const reply = backend.script(seen);
      switch (reply.kind) {
        case 'hang-up':
          (req.socket as Socket).destroy();
          return;
        case 'hold':
          held.add(res);
          res.once('close', () => held.delete(res));
          return;
        case 'answer': {
          const status = reply.status ?? 200;
          if (!reply.delayMs) {
            answer(req, res, status);
            return;
          }
          const timer = setTimeout(() => {
            timers.delete(timer);
            answer(req, res, status);
          }, reply.delayMs);
          timers.add(timer);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const backend: ScriptedBackend = {
    name,
    port: (server.address() as AddressInfo).port,
    requests,
    script,
    get held() {
      return held.size;
    },
    release() {
      for (const res of [...held]) {
        held.delete(res);
        answer(res.req, res, 200);
      }
    },
    seen: (prefix) => requests.filter((r) => r.path.startsWith(prefix)),
    close: () => new Promise((r) => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
  return backend;
}
