// Choosing where workload keys live (--private-key-provider, Istio's
// ProxyConfig.privateKeyProvider): `file` keeps them in process memory; `pkcs11` inside a
// PKCS#11 token (./pkcs11/, loaded only when asked for, so a proxy without a token never loads
// its code). The pkcs11 module's contract: it exports
// `createPkcs11KeyProvider(env: NodeJS.ProcessEnv): Promise<KeyProvider>`, reading its token
// settings from the environment. The file provider is loaded when chosen too: it brings
// @peculiar/x509, which a proxy without a workload identity has no use for (bench/proxy idle RSS).
import type { KeyProvider } from './workload-key.js';

export const KEY_PROVIDERS = ['file', 'pkcs11'] as const;
export type KeyProviderName = (typeof KEY_PROVIDERS)[number];

export async function createKeyProvider(name: KeyProviderName, env: NodeJS.ProcessEnv = process.env): Promise<KeyProvider> {
  if (name === 'file') return new (await import('./file-key.js')).FileKeyProvider();
  if (name === 'pkcs11') {
    // A computed specifier: the pkcs11 folder is built separately and may be absent from a build.
    const specifier = './pkcs11/index.js';
    const mod = (await import(specifier)) as { createPkcs11KeyProvider?: (env: NodeJS.ProcessEnv) => Promise<KeyProvider> };
    if (typeof mod.createPkcs11KeyProvider !== 'function') throw new Error('the pkcs11 private key provider is not available in this build');
    return mod.createPkcs11KeyProvider(env);
  }
  throw new Error(`--private-key-provider must be one of ${KEY_PROVIDERS.join(', ')}, not ${JSON.stringify(name)}`);
}
