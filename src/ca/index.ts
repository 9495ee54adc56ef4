// The CA's public face: the certificate authority the manager runs (istiod-style), and the
// client proxies and tests use to get a workload certificate from it.
import { CertificateAuthority, type AuthorityOptions } from './authority.js';
import { CaServer } from './server.js';
import { mintToken, tokenKeys } from './token.js';

export { requestCertificate, CertificateRequestError, type CertificateRequest, type ClientKey } from './client.js';
export { KEY_ALGORITHMS, type KeyAlgorithm } from './keys.js';
export { DEFAULT_CA_DIR, CA_FILES } from './files.js';
export { spiffeUri, parseSpiffeUri, type SpiffeId } from './spiffe.js';
export { tokenKeys, mintToken, TOKEN_AUDIENCE } from './token.js';
export { rotateRoots } from './root-store.js';

export interface CaOptions extends AuthorityOptions {
  /** gRPC (TLS) port; 0 picks a free one. Default 15012, istiod's. */
  port?: number;
  host?: string;
}

export interface RunningCa {
  port: number;
  trustDomain: string;
  /** Every trusted root as PEM, the current first (also in <ca-dir>/root-cert.pem). */
  trustBundlePem(): string;
  /** Called with the new bundle whenever it changes (rotation, end of an overlap). */
  onBundleChange(cb: (bundlePem: string) => void): () => void;
  /** A bootstrap token for `namespace`/`serviceAccount`, as `isthmus ca token` prints. */
  mintToken(namespace: string, serviceAccount: string, ttlSeconds: number): Promise<string>;
  /** New root now; the old one stays trusted for `overlapMs`. */
  rotateRoot(overlapMs: number): Promise<void>;
  /** Re-reads the CA directory and drops roots whose overlap ended (also done on its own). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export async function startCa(options: CaOptions): Promise<RunningCa> {
  const ca = await CertificateAuthority.open(options);
  const tokens = await tokenKeys(options.caDir);
  const server = new CaServer(ca, tokens, options.log);
  try {
    await server.listen(options.host ?? '127.0.0.1', options.port ?? 15012);
  } catch (e) {
    ca.close();
    throw new Error(`CA: cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 15012}: ${(e as Error).message}`, { cause: e });
  }
  ca.onBundleChange(() => {
    server.onBundleChange().catch((e) => options.log?.(`ca: re-issuing the serving certificate failed: ${(e as Error).message}`));
  });
  return {
    port: server.port,
    trustDomain: ca.trustDomain,
    trustBundlePem: () => ca.trustBundlePem(),
    onBundleChange: (cb) => ca.onBundleChange(cb),
    mintToken: (ns, sa, ttl) => mintToken(tokens, ns, sa, ttl, ca.now()),
    rotateRoot: (overlapMs) => ca.rotateRoot(overlapMs),
    refresh: () => ca.refresh(),
    async close() {
      ca.close();
      await server.close();
    },
  };
}
export { durationMs, keyAlgorithm, trustDomain } from './options.js';
