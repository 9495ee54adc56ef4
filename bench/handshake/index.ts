// `npm run bench` module "handshake": full and resumed TLS 1.3 handshakes per server CPU-second
// for ECDSA P-256 and RSA-2048 keys, on the Isthmus gateway (the real proxy terminating TLS),
// a bare node:tls server (the same stack with nothing around it) and nginx (the C reference),
// next to `openssl speed` sign/s on one core — a full handshake costs the server one signature,
// so sign/s is the physical ceiling — and, for the same key types, a bare node:tls server whose
// key sits in a PKCS#11 token (SoftHSM2), opened in process or through a p11-kit server.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchContext, BenchResult } from '../common/benchmark.js';
import { startIsthmusGateway } from './isthmus-gateway.js';
import { KEY_TYPES, makeServerCert, type KeyType, type ServerCert } from './keys.js';
import { measureHandshakes, type HandshakeRate } from './measure.js';
import { freePort } from '../proxy/ports.js';
import { startNginxTls } from './nginx-tls.js';
import { startNodeTls } from './node-tls.js';
import { signsPerSecond } from './openssl-speed.js';
import { makeBenchToken, tokenUnavailable } from './token.js';
import { renderReport, type Row } from './report.js';

const HOST = 'bench.example';
const SECONDS = Number(process.env.BENCH_HANDSHAKE_SECONDS ?? 5);
/** Connections in flight: enough to keep one server core busy while the client works on the other. */
const LOOPS = 8;

interface Server {
  port: number;
  pids(): number[];
}

async function rates(server: Server, ctx: BenchContext, label: string): Promise<{ full: HandshakeRate; resumed: HandshakeRate }> {
  const measure = (mode: 'full' | 'resumed') => measureHandshakes({ port: server.port, serverName: HOST, mode, serverPids: server.pids, seconds: SECONDS, loops: LOOPS });
  const full = await measure('full');
  const resumed = await measure('resumed');
  ctx.log(`handshake: ${label}: full ${full.perCpuSecond.toFixed(0)}/CPU-s, resumed ${resumed.perCpuSecond.toFixed(0)}/CPU-s`);
  return { full, resumed };
}

function hasNginx(): boolean {
  return spawnSync('sh', ['-c', 'command -v nginx'], { stdio: 'ignore' }).status === 0;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-bench-certs-'));
  const rows: Row[] = [];
  const ceilings = new Map<KeyType, number>();
  let tokenNote = 'Keys in a PKCS#11 token: the node:tls rows marked PKCS#11 use a SoftHSM2 token the bench initialises, through OpenSSL\'s pkcs11 engine in process or behind `p11-kit server`.';
  try {
    const certs: ServerCert[] = KEY_TYPES.map((t) => makeServerCert(dir, t, HOST));
    for (const t of KEY_TYPES) ceilings.set(t, await signsPerSecond(t));
    const gateway = await startIsthmusGateway(ctx.repoRoot, certs, HOST);
    try {
      for (const cert of certs) {
        const port = gateway.ports.get(cert.type) ?? 0;
        rows.push({ target: 'isthmus gateway', key: cert.type, where: 'in memory', ...(await rates({ port, pids: gateway.pids }, ctx, `isthmus ${cert.type}`)) });
      }
    } finally {
      await gateway.stop();
    }
    for (const cert of certs) {
      const node = await startNodeTls(cert.cert, { key: cert.key });
      try {
        rows.push({ target: 'node:tls alone', key: cert.type, where: 'in memory', ...(await rates(node, ctx, `node:tls ${cert.type}`)) });
      } finally {
        await node.stop();
      }
    }
    const unavailable = tokenUnavailable();
    if (unavailable) {
      tokenNote = `Keys in a PKCS#11 token: not measured on this machine (${unavailable}).`;
    } else {
      const token = await makeBenchToken(HOST);
      try {
        for (const key of token.keys) {
          const inProcess = await startNodeTls(key.cert, { engine: key.engine, identifier: key.identifier }, token.inProcessEnv);
          try {
            rows.push({ target: 'node:tls alone', key: key.type, where: 'PKCS#11 token (SoftHSM2, engine in process)', ...(await rates(inProcess, ctx, `node:tls token ${key.type}`)) });
          } finally {
            await inProcess.stop();
          }
          const remote = await token.remote();
          try {
            const server = await startNodeTls(key.cert, { engine: key.engine, identifier: key.identifier }, remote.env);
            try {
              // The token's work happens in p11-kit's processes: their CPU counts as the server's.
              const both = { port: server.port, pids: () => [...server.pids(), ...remote.pids()] };
              rows.push({ target: 'node:tls alone', key: key.type, where: 'PKCS#11 token via p11-kit server', ...(await rates(both, ctx, `node:tls p11-kit ${key.type}`)) });
            } finally {
              await server.stop();
            }
          } finally {
            await remote.stop();
          }
        }
      } finally {
        token.remove();
      }
    }
    if (hasNginx()) {
      for (const cert of certs) {
        const port = await freePort();
        const nginx = await startNginxTls(cert, port);
        try {
          rows.push({ target: 'nginx (1 worker)', key: cert.type, where: 'in memory', ...(await rates({ port, pids: () => nginxPids(nginx.process.pid) }, ctx, `nginx ${cert.type}`)) });
        } finally {
          await nginx.stop();
        }
      }
    } else {
      ctx.log('handshake: nginx not installed (apt-get install -y nginx-light): its reference rows are left out');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return renderReport(rows, ceilings, { seconds: SECONDS, loops: LOOPS, nginx: hasNginx(), tokenNote });
}

/** nginx's master plus its worker (the worker does the handshakes). */
function nginxPids(master: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(master)], { encoding: 'utf8' }).stdout ?? '';
  return [master, ...out.split('\n').filter((l) => l.trim() !== '').map(Number)];
}

export const handshakeBenchmark: Benchmark = {
  name: 'handshake',
  title: 'TLS handshakes: full and resumed per CPU-second, against the signature ceiling',
  run,
};
