// The Gateway credentials this proxy process received over SDS (`kubernetes://<name>` and its
// `-cacert`), held in memory only — never written to disk. The proxy replaces them from every
// accepted config (each `--concurrency` worker from the snapshot its primary forwards); TLS
// contexts naming one read it when they are (re)built and compare versions per connection, so
// a rotated Secret reaches new connections while open ones keep theirs.
import type { SecretConfig } from '../xds-client/index.js';

interface Held {
  secret: SecretConfig;
  version: number;
}

const held = new Map<string, Held>();
const watchers = new Map<string, Set<() => void>>();
let counter = 0;

/** Takes the secrets of an accepted config in; only credential names that changed bump their version. */
export function setCredentialSecrets(secrets: ReadonlyMap<string, SecretConfig> | undefined): void {
  const changed: string[] = [];
  for (const [name, secret] of secrets ?? []) {
    if (!name.startsWith('kubernetes://')) continue;
    const before = held.get(name)?.secret;
    if (before && same(before, secret)) continue;
    held.set(name, { secret, version: ++counter });
    changed.push(name);
  }
  // A name the config no longer carries is kept: Envoy keeps serving the last secret it had.
  for (const name of changed) {
    for (const w of [...(watchers.get(name) ?? [])]) {
      try {
        w();
      } catch {
        // A context that cannot rebuild keeps its last good material and says so itself.
      }
    }
  }
}

function same(a: SecretConfig, b: SecretConfig): boolean {
  return a.trustedCaPem === b.trustedCaPem && a.tlsCertificate?.chainPem === b.tlsCertificate?.chainPem && a.tlsCertificate?.keyPem === b.tlsCertificate?.keyPem;
}

/** The credential as last received, or undefined before it arrives. */
export function credentialSecret(name: string): SecretConfig | undefined {
  return held.get(name)?.secret;
}

/** Changes whenever one of `names` does (0 for one not received yet). */
export function credentialsStamp(names: readonly string[]): string {
  return names.map((n) => held.get(n)?.version ?? 0).join(',');
}

/** Calls `onChange` after each change of `name`; returns the function that stops it. */
export function watchCredential(name: string, onChange: () => void): () => void {
  let set = watchers.get(name);
  if (!set) watchers.set(name, (set = new Set()));
  set.add(onChange);
  return () => {
    set.delete(onChange);
    if (set.size === 0) watchers.delete(name);
  };
}
