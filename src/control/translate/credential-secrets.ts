// SDS for Gateway credentials: `kubernetes://<name>` is the certificate and key of the Secret
// <name>, `kubernetes://<name>-cacert` the client CA of a MUTUAL server (the Secret
// `<name>-cacert`, else the `ca.crt`/`cacert` key of <name> itself) — Istio's names and lookup.
// Istio's rule on who may read them: only a gateway, and only Secrets in its own namespace; a
// sidecar, or a gateway elsewhere, asking for the name gets nothing, so one namespace's private
// key never reaches another's proxy. A Secret that is missing or does not hold a usable
// certificate is simply absent: the proxy keeps warming (or keeps what it had), and
// `isthmus analyze` says why.
import { CA_SECRET_SUFFIX, caCredential, serverCredential, type SecretSpec } from '../../api/core/index.js';
import type { Resource } from '../../api/resource.js';
import type { PushContext } from '../model/push-context.js';
import type { ProxyNode } from '../model/proxy.js';
import { TYPE_URL, type XdsResource } from '../xds/resource.js';
import type { Generator } from './cache.js';

export const CREDENTIAL_PREFIX = 'kubernetes://';

type Fields = Record<string, unknown>;

/** The Secrets of one snapshot by `namespace/name`, built once per PushContext. */
const indexes = new WeakMap<PushContext, Map<string, Resource>>();

function secretsOf(push: PushContext): Map<string, Resource> {
  let index = indexes.get(push);
  if (!index) {
    index = new Map(push.resources.filter((r) => r.kind === 'Secret').map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, r]));
    indexes.set(push, index);
  }
  return index;
}

/** The Envoy Secret `sdsName` made of a Secret, or undefined when it holds nothing usable. */
export function credentialSecret(sdsName: string, spec: SecretSpec, ca: boolean): Fields | undefined {
  if (ca) {
    const bundle = caCredential(spec);
    return 'ok' in bundle ? { name: sdsName, validation_context: { trusted_ca: { inline_bytes: bundle.ok } } } : undefined;
  }
  const pair = serverCredential(spec);
  if (!('ok' in pair)) return undefined;
  return { name: sdsName, tls_certificate: { certificate_chain: { inline_bytes: pair.ok.cert }, private_key: { inline_bytes: pair.ok.key } } };
}

/**
 * Where `kubernetes://<name>` comes from for a gateway in `namespace`: the Secret and how to read
 * it. For `-cacert`, the dedicated Secret wins; without one, the credential's own Secret.
 */
export function credentialSource(sdsName: string, namespace: string, secrets: ReadonlyMap<string, Resource>): { secret: Resource; ca: boolean } | undefined {
  const name = sdsName.slice(CREDENTIAL_PREFIX.length);
  if (name.endsWith(CA_SECRET_SUFFIX)) {
    const own = secrets.get(`${namespace}/${name}`);
    if (own) return { secret: own, ca: true };
    const base = secrets.get(`${namespace}/${name.slice(0, -CA_SECRET_SUFFIX.length)}`);
    return base ? { secret: base, ca: true } : undefined;
  }
  const secret = secrets.get(`${namespace}/${name}`);
  return secret ? { secret, ca: false } : undefined;
}

/** One value object per (Secret object, SDS name): unchanged Secrets are encoded once and not re-sent. */
const built = new WeakMap<Resource, Map<string, XdsResource | null>>();

function resolve(sdsName: string, proxy: ProxyNode, push: PushContext): XdsResource | undefined {
  const source = credentialSource(sdsName, proxy.namespace, secretsOf(push));
  if (!source) return undefined;
  let byName = built.get(source.secret);
  if (!byName) built.set(source.secret, (byName = new Map()));
  let resource = byName.get(sdsName);
  if (resource === undefined) {
    const value = credentialSecret(sdsName, source.secret.spec as SecretSpec, source.ca);
    resource = value ? { name: sdsName, typeUrl: TYPE_URL.SECRET, value } : null;
    byName.set(sdsName, resource);
  }
  return resource ?? undefined;
}

export function credentialSecretGenerator(): Generator {
  return {
    generate(proxy, push, names) {
      // SDS is asked for by name; credentials go only to gateways (Istio's authorization).
      if (names === undefined || proxy.type !== 'router') return [];
      const out: XdsResource[] = [];
      for (const name of names) {
        if (!name.startsWith(CREDENTIAL_PREFIX)) continue;
        const r = resolve(name, proxy, push);
        if (r) out.push(r);
      }
      return out;
    },
  };
}

/** Several generators of one type (the mesh trust bundle and credentials) answering together. */
export function combinedGenerator(parts: readonly Generator[]): Generator {
  return {
    generate(proxy, push, names) {
      return parts.flatMap((g) => g.generate(proxy, push, names));
    },
  };
}
