// Where a proxy's TLS private keys live (ProxyConfig.privateKeyProvider). Istio's oneof offers
// CryptoMB and QAT offload; Isthmus adds `pkcs11` (the key stays in a token and is used through
// OpenSSL's pkcs11 engine, optionally via a p11-kit server so the proxy never loads the token
// library) and `file` (a key in memory, the default).
import { z } from 'zod';
import { duration, obj, oneOf, parseDuration } from '../fields/common.js';

/** Istio's CryptoMb and QAT messages share this shape. */
const accelerator = obj({
  /** How long a partly filled request batch waits; Istio requires a non-zero value. */
  pollDelay: duration().superRefine((text, ctx) => {
    if (parseDuration(text) === 0) ctx.addIssue({ code: 'custom', message: 'pollDelay must be greater than zero', params: { hint: 'e.g. "0.2ms"; shorter favours latency, longer favours throughput' } });
  }),
  /** Fall back to software signing if the accelerator fails; false when unset. */
  fallback: z.boolean().optional(),
});

export const PKCS11_MODES = ['IN_PROCESS', 'OUT_OF_PROCESS'] as const;

const pkcs11 = obj({
  /** Path of the OpenSSL engine library, or its id when OPENSSL_ENGINES points at its folder. Default "pkcs11". */
  privateKeyEngine: z.string().superRefine((s, ctx) => {
    if (s === '') ctx.addIssue({ code: 'custom', message: 'privateKeyEngine must not be empty', params: { hint: 'omit it to use the "pkcs11" engine, or give the engine library path' } });
  }).optional(),
  /** RFC 7512 URI of the key in the token, e.g. "pkcs11:token=isthmus;object=workload-key;type=private". */
  privateKeyIdentifier: z.string().superRefine((s, ctx) => {
    if (!/^pkcs11:./.test(s)) ctx.addIssue({ code: 'custom', message: `"${s}" is not a PKCS#11 URI (RFC 7512)`, params: { hint: 'e.g. "pkcs11:token=isthmus;object=workload-key;type=private"' } });
  }),
  /** IN_PROCESS (default) loads the token's module in the proxy; OUT_OF_PROCESS talks to a p11-kit server. */
  mode: z.enum(PKCS11_MODES).optional(),
  /** The p11-kit server's Unix socket (a path, or "unix:path=…"); OUT_OF_PROCESS only. */
  socket: z.string().optional(),
}).superRefine((p, ctx) => {
  const outOfProcess = p.mode === 'OUT_OF_PROCESS';
  if (outOfProcess && (p.socket === undefined || p.socket === '')) {
    ctx.addIssue({ code: 'custom', path: ['mode'], message: 'mode OUT_OF_PROCESS needs socket', params: { hint: 'set socket to the p11-kit server socket, e.g. /run/p11-kit/pkcs11' } });
  } else if (!outOfProcess && p.socket !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['socket'], message: 'socket is only used with mode OUT_OF_PROCESS', params: { hint: 'set mode: OUT_OF_PROCESS, or remove socket' } });
  } else if (p.socket !== undefined && !p.socket.startsWith('/') && !/^unix:path=\/./.test(p.socket)) {
    ctx.addIssue({ code: 'custom', path: ['socket'], message: `"${p.socket}" is not a Unix socket path`, params: { hint: 'use an absolute path such as /run/p11-kit/pkcs11, or unix:path=/run/p11-kit/pkcs11' } });
  }
});

export const PRIVATE_KEY_PROVIDERS = ['cryptomb', 'qat', 'pkcs11', 'file'] as const;

export const privateKeyProvider = oneOf(obj({
  cryptomb: accelerator.optional(),
  qat: accelerator.optional(),
  pkcs11: pkcs11.optional(),
  /** Keys held in proxy memory, as delivered over SDS. */
  file: obj({}).optional(),
}), PRIVATE_KEY_PROVIDERS, { required: true });
export type PrivateKeyProvider = z.infer<typeof privateKeyProvider>;
