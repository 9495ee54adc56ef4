// SDS for the mesh trust bundle: the Secret "ROOTCA" (Istio's name for it) whose
// validation_context trusts every root the CA currently trusts. Proxies subscribe to it by name;
// it is re-pushed whenever the bundle changes (root rotation, the end of an overlap).
import type { PushContext } from '../model/push-context.js';
import { TYPE_URL, type XdsResource } from '../xds/resource.js';
import type { Generator } from './cache.js';

export const ROOT_CA_SECRET = 'ROOTCA';

/** Where the bundle comes from (the CA running in the manager). */
export interface TrustBundleSource {
  trustBundlePem(): string;
  onBundleChange(cb: (bundlePem: string) => void): () => void;
}

export function rootCaSecretGenerator(source: TrustBundleSource): Generator {
  // One value object per bundle, so the xDS layer encodes it once for every proxy.
  let memo: { pem: string; resources: XdsResource[] } | undefined;
  return {
    generate(_proxy, _push: PushContext, names) {
      if (names !== undefined && !names.includes(ROOT_CA_SECRET)) return [];
      const pem = source.trustBundlePem();
      if (memo?.pem !== pem) {
        const value = { name: ROOT_CA_SECRET, validation_context: { trusted_ca: { inline_bytes: Buffer.from(pem) } } };
        memo = { pem, resources: [{ name: ROOT_CA_SECRET, typeUrl: TYPE_URL.SECRET, value }] };
      }
      return memo.resources;
    },
  };
}
