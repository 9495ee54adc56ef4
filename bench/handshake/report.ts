// The handshake results table: per server CPU-second, the resumed/full ratio, and each full
// rate as a share of the one-core signature ceiling; then the issue's two targets.
import type { BenchResult } from '../common/benchmark.js';
import { table } from '../common/markdown.js';
import type { KeyType } from './keys.js';
import type { HandshakeRate } from './measure.js';

export interface Row {
  target: string;
  key: KeyType;
  /** Where the private key lives: `in memory` or a token. */
  where: string;
  full: HandshakeRate;
  resumed: HandshakeRate;
}

const n = (v: number): string => (Number.isFinite(v) ? v.toFixed(0) : '–');
const x = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');

/** Full ECDSA handshakes per CPU-second the in-memory proxy must reach (issue #5). */
export const FULL_ECDSA_TARGET = 1000;
/** Resumed handshakes must be at least this many times cheaper than full ones. */
export const RESUMED_RATIO_TARGET = 5;

export function renderReport(rows: readonly Row[], ceilings: ReadonlyMap<KeyType, number>, run: { seconds: number; loops: number; nginx: boolean; tokenNote: string }): BenchResult {
  const body = table(
    ['target', 'key', 'private key', 'full / CPU-s', 'resumed / CPU-s', 'resumed ÷ full', 'full ÷ openssl sign/s', 'errors'],
    rows.map((r) => [
      r.target, r.key, r.where, n(r.full.perCpuSecond), n(r.resumed.perCpuSecond),
      x(r.resumed.perCpuSecond / r.full.perCpuSecond), x(r.full.perCpuSecond / (ceilings.get(r.key) ?? Number.NaN)),
      String(r.full.errors + r.resumed.errors),
    ]),
  );
  const ceilingTable = table(['key', '`openssl speed` sign/s, one core'], [...ceilings].map(([k, v]) => [k, n(v)]));
  const proxy = rows.find((r) => r.target === 'isthmus gateway' && r.key === 'ECDSA P-256');
  const fullMet = (proxy?.full.perCpuSecond ?? 0) >= FULL_ECDSA_TARGET;
  const ratio = proxy ? proxy.resumed.perCpuSecond / proxy.full.perCpuSecond : Number.NaN;
  const ratioMet = ratio >= RESUMED_RATIO_TARGET;
  const targets = [
    `- Full ECDSA P-256 handshakes on the Isthmus gateway ≥ ${FULL_ECDSA_TARGET} per CPU-second, key in memory: **${n(proxy?.full.perCpuSecond ?? Number.NaN)}** — ${fullMet ? 'met' : 'missed'}.`,
    `- Resumed ≥ ${RESUMED_RATIO_TARGET}× full (ECDSA, Isthmus gateway): **${x(ratio)}** — ${ratioMet ? 'met' : 'missed'}.`,
  ].join('\n');
  const best = rows.reduce<Row | undefined>((b, r) => (!b || r.resumed.perCpuSecond / r.full.perCpuSecond > b.resumed.perCpuSecond / b.full.perCpuSecond ? r : b), undefined);
  const why = best
    ? `\n\nWhy resumption gains so little here: a TLS 1.3 resumption still runs an (EC)DHE key exchange (the psk_dhe_ke mode every client here offers), and a Node server spends most of each connection outside the cryptography (accepting, the TLS socket objects). Resumption saves exactly the certificate signature, so the gain grows with what a signature costs: the largest ratio measured is ${x(best.resumed.perCpuSecond / best.full.perCpuSecond)} (${best.target}, ${best.key}, ${best.where}); nginx, in C, resumes ECDSA at about the cost of a full handshake too. Allowing psk_ke (\`SSL_OP_ALLOW_NO_DHE_KEX\`) does not change this: OpenSSL 3.0, which Node 20 bundles, still picks psk_dhe_ke whenever the client offers it, and its clients always do; and even a resumption with no cryptography at all would leave the per-connection cost that a full ECDSA handshake here is mostly made of (the ECDSA signature is ${n(1e6 / (ceilings.get('ECDSA P-256') ?? Number.NaN))} µs of a full handshake's ${proxy ? n(1e6 / proxy.full.perCpuSecond) : '–'} µs of gateway CPU). A 5× ratio for ECDSA is out of reach of this stack, and of nginx's.`
    : '';
  const markdown = `How: a load process (bench/handshake/handshake-client.ts) keeps ${run.loops} TLS 1.3 connections in flight for ${run.seconds} s per cell, each doing one handshake and closing; "resumed" offers the session ticket from a first connection. Counts are divided by the CPU seconds the *server* process used in that window (read from /proc), so the client's own cost on the other core does not count. The client does not verify the certificate. ${run.nginx ? '' : 'nginx was not installed, so its rows are missing (`apt-get install -y nginx-light`). '}${run.tokenNote}

${body}

The ceiling: a full handshake costs the server one private-key signature (plus an ECDHE key share), so one core's signatures per second bound full handshakes per CPU-second.

${ceilingTable}

## Targets (issue #5)

${targets}${why}

The Isthmus gateway rows use certificate files; a proxy whose workload key sits in the token is proven functionally (test/security/pkcs11-proxy.test.ts) and measured here through the bare node:tls rows, which use the same engine path.
`;
  return { markdown, targetsMet: fullMet && ratioMet };
}
