// Certificates and keys the proxy resolves itself, as Istio's node agent does. The agent answers
// a few SDS secret names from local files — `file-cert:<chain>~<key>` and `file-root:<ca>`, which
// the control plane emits for DestinationRule clientCertificate / privateKey / caCertificates —
// and the mesh names `default` (the workload certificate) and `ROOTCA` (the mesh trust bundle)
// from the identity agent's memory (../identity/). Envoy DataSources (file, inline, environment
// variable) are read here too; files are watched and mesh secrets followed, so a rotated
// certificate reaches new connections.
// A Gateway's credentials `kubernetes://…` come from the control plane over SDS and are held in
// memory (sds-credentials.ts); a context naming one waits for it (the listener warms).
// A name the proxy cannot answer — `default`/`ROOTCA` without a workload identity, any other
// name — is refused with the reason, so the resource is NACKed instead of silently sent in
// plaintext.
import { X509Certificate } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { isMeshSecretName, meshSecrets, type MeshSecretName } from '../identity/secret-store.js';
import type { SecureContextKey } from '../identity/workload-key.js';
import { asFields, reject, type Fields } from '../xds-client/fields.js';
import { isCredentialName } from '../xds-client/secret-refs.js';
import { credentialSecret, watchCredential } from './sds-credentials.js';

/**
 * Where one piece of secret material comes from: a file (re-read when it changes), bytes, or a
 * mesh SDS secret held in memory (followed as it rotates). `{sds: 'default'}` stands for both the
 * chain and the key of the workload certificate.
 */
export type SecretSource = { filename: string } | { inline: Buffer } | { sds: MeshSecretName } | CredentialSource;

/** One part of a credential received over SDS (`kubernetes://<name>`). */
export interface CredentialSource {
  credential: string;
  part: 'chain' | 'key' | 'ca';
}

/** What an SDS name stands for once resolved locally. */
export type LocalSecret =
  | { kind: 'tls_certificate'; chain: SecretSource; key: SecretSource }
  | { kind: 'validation_context'; trustedCa: SecretSource };

const NO_IDENTITY_REASON = 'the proxy has no workload identity; start it with --ca-address HOST:PORT (and --ca-root, --token-file) so it gets its certificate from the mesh CA';

/** An Envoy config.core.v3.DataSource. */
export function dataSource(value: unknown, field: string): SecretSource {
  const d = asFields(value);
  if (!d) return reject(field, 'is missing');
  if (typeof d.filename === 'string' && d.filename !== '') return { filename: d.filename };
  // protobufjs hands bytes over as base64 text.
  if (typeof d.inline_bytes === 'string' && d.inline_bytes !== '') return { inline: Buffer.from(d.inline_bytes, 'base64') };
  if (typeof d.inline_string === 'string' && d.inline_string !== '') return { inline: Buffer.from(d.inline_string) };
  if (typeof d.environment_variable === 'string' && d.environment_variable !== '') {
    const v = process.env[d.environment_variable];
    if (v === undefined || v === '') reject(`${field}.environment_variable`, `${d.environment_variable} is not set in the proxy's environment`);
    return { inline: Buffer.from(v) };
  }
  return reject(field, 'names no filename, inline_bytes, inline_string or environment_variable');
}

/**
 * An SdsSecretConfig resolved without an SDS server. `want` is what the referring field needs:
 * a certificate (tls_certificate_sds_secret_configs) or a root (validation_context_sds_secret_config).
 */
export function localSdsSecret(config: Fields, field: string, want: LocalSecret['kind']): LocalSecret {
  const name = typeof config.name === 'string' ? config.name : '';
  if (name === '') reject(`${field}.name`, 'is empty');
  if (isMeshSecretName(name)) {
    if (!meshSecrets()) reject(`${field}.name`, `SDS secret "${name}" (ISTIO_MUTUAL): ${NO_IDENTITY_REASON}`);
    if (name === 'default' && want !== 'tls_certificate') reject(`${field}.name`, 'SDS secret "default" is the workload certificate, but this field wants a validation context (ROOTCA)');
    if (name === 'ROOTCA' && want !== 'validation_context') reject(`${field}.name`, 'SDS secret "ROOTCA" is the mesh trust bundle, but this field wants a certificate (default)');
    return name === 'default' ? { kind: 'tls_certificate', chain: { sds: name }, key: { sds: name } } : { kind: 'validation_context', trustedCa: { sds: name } };
  }
  if (isCredentialName(name)) {
    // Subscribed to over SDS (../xds-client/secret-refs.ts); read when it has arrived.
    return want === 'tls_certificate'
      ? { kind: 'tls_certificate', chain: { credential: name, part: 'chain' }, key: { credential: name, part: 'key' } }
      : { kind: 'validation_context', trustedCa: { credential: name, part: 'ca' } };
  }
  if (name.startsWith('file-cert:')) {
    if (want !== 'tls_certificate') reject(`${field}.name`, `SDS secret "${name}" is a certificate, but this field wants a validation context (file-root:)`);
    const [chain, key, ...rest] = name.slice('file-cert:'.length).split('~');
    if (!chain || !key || rest.length > 0) reject(`${field}.name`, `SDS secret "${name}" must be file-cert:<certificate file>~<private key file>`);
    return { kind: 'tls_certificate', chain: { filename: chain }, key: { filename: key } };
  }
  if (name.startsWith('file-root:')) {
    if (want !== 'validation_context') reject(`${field}.name`, `SDS secret "${name}" is a root certificate, but this field wants a certificate (file-cert:)`);
    const ca = name.slice('file-root:'.length);
    if (ca === '') reject(`${field}.name`, `SDS secret "${name}" must be file-root:<CA file>`);
    return { kind: 'validation_context', trustedCa: { filename: ca } };
  }
  return reject(`${field}.name`, `SDS secret "${name}": unknown name; the proxy resolves only file-cert:<cert>~<key> and file-root:<ca> names itself, default/ROOTCA from its workload identity, and kubernetes://<credentialName> over SDS`);
}

/** The bytes of a source; a file is read now (config time, small files). */
export function readSource(source: SecretSource, what: string): Buffer {
  if ('inline' in source) return source.inline;
  if ('sds' in source) return Buffer.from(readMeshSecret(source.sds, what));
  if ('credential' in source) return Buffer.from(readCredential(source, what));
  try {
    return readFileSync(source.filename);
  } catch (err) {
    throw new Error(`cannot read ${what} ${source.filename}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/** The PEM text of one part of a credential received over SDS. */
function readCredential(source: CredentialSource, what: string): string {
  const secret = credentialSecret(source.credential);
  if (!secret) throw new Error(`${what} from SDS secret "${source.credential}": not received from the control plane yet (does the Secret exist in the gateway's namespace? see isthmus analyze)`);
  const pem = source.part === 'ca' ? secret.trustedCaPem : source.part === 'chain' ? secret.tlsCertificate?.chainPem : secret.tlsCertificate?.keyPem;
  if (pem === undefined) {
    throw new Error(`${what} from SDS secret "${source.credential}": it holds ${secret.trustedCaPem !== undefined ? 'a CA bundle' : 'a certificate'}, not ${source.part === 'ca' ? 'a CA bundle' : 'a certificate'}`);
  }
  return pem;
}

/** The PEM text of a mesh secret: the workload chain for `default`, the bundle for ROOTCA. */
function readMeshSecret(name: MeshSecretName, what: string): string {
  const store = meshSecrets();
  if (!store) throw new Error(`${what} from SDS secret "${name}": ${NO_IDENTITY_REASON}`);
  const pem = name === 'default' ? store.workloadCertificate?.chainPem : store.rootBundle;
  if (pem === undefined) throw new Error(`${what} from SDS secret "${name}": not received from the mesh CA yet`);
  return pem;
}

/**
 * How tls.createSecureContext takes a private key from `source`: PEM bytes (with the password, if
 * any), or — for the workload key, which may live in a PKCS#11 token — whatever the key provider
 * says (a PEM held in memory, or an engine and key identifier).
 */
export function keyOptions(source: SecretSource, passphrase?: string): { key: Buffer; passphrase?: string } | SecureContextKey {
  if ('sds' in source) {
    const cert = meshSecrets()?.workloadCertificate;
    if (!cert) throw new Error(`private key from SDS secret "${source.sds}": ${meshSecrets() ? 'not received from the mesh CA yet' : NO_IDENTITY_REASON}`);
    return cert.key;
  }
  return { key: readSource(source, 'private key'), ...(passphrase !== undefined ? { passphrase } : {}) };
}

/** How a secret source is named in errors: `trusted CA /etc/ca.pem`, `inline trusted CA` or `trusted CA (SDS secret ROOTCA)`. */
export function describeSource(source: SecretSource, what: string): string {
  if ('sds' in source) return `${what} (SDS secret ${source.sds})`;
  if ('credential' in source) return `${what} (SDS secret ${source.credential})`;
  return 'filename' in source ? `${what} ${source.filename}` : `inline ${what}`;
}

/** The mesh secrets among `sources`, each once. */
export function meshSecretsOf(sources: readonly (SecretSource | 'system' | undefined)[]): MeshSecretName[] {
  return [...new Set(sources.flatMap((s) => (s && s !== 'system' && 'sds' in s ? [s.sds] : [])))];
}

/** The credentials among `sources`, each once. */
export function credentialsOf(sources: readonly (SecretSource | 'system' | undefined)[]): string[] {
  return [...new Set(sources.flatMap((s) => (s && s !== 'system' && 'credential' in s ? [s.credential] : [])))];
}

/** Whether every source is inline config (nothing local that may arrive or change later). */
export function allInline(sources: readonly (SecretSource | 'system' | undefined)[]): boolean {
  return sources.every((s) => s === undefined || s === 'system' || 'inline' in s);
}

/** A stamp of the mesh secrets' versions: it changes whenever one of them does. */
export function meshSecretsStamp(names: readonly MeshSecretName[]): string {
  const store = meshSecrets();
  return store ? names.map((n) => store.version(n)).join(',') : '';
}

/**
 * Calls `onChange` when a file among `sources` changes on disk or a mesh secret or credential among them
 * rotates. Returns the function that stops watching.
 */
export function watchSources(sources: readonly (SecretSource | 'system' | undefined)[], onChange: () => void): () => void {
  const files = sources.flatMap((s) => (s && s !== 'system' && 'filename' in s ? [s.filename] : []));
  const stops = [files.length > 0 ? watchFiles(files, onChange) : () => {}];
  const store = meshSecrets();
  if (store) for (const name of meshSecretsOf(sources)) stops.push(store.watch(name, onChange));
  for (const name of credentialsOf(sources)) stops.push(watchCredential(name, onChange));
  return () => {
    for (const stop of stops) stop();
  };
}

/** Checks that PEM text holds at least one certificate and that every one parses. */
export function checkCertificates(pem: Buffer, what: string): void {
  const blocks = pem.toString().match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`${what} holds no PEM certificate`);
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (err) {
      throw new Error(`${what} holds a certificate that does not parse: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** How often watched files are checked (a stat per file; certificates rotate in hours). */
export const FILE_POLL_MS = 1000;

/** One stat poller per path, shared by every cluster that reads the file. */
const watchers = new Map<string, { listeners: Set<() => void>; poll: (now: Stats, before: Stats) => void }>();

/**
 * Calls `onChange` when any of `paths` changes on disk (written, replaced, removed). Polling
 * rather than inotify: it follows atomic renames and Kubernetes' symlink swaps alike, and the
 * pollers do not keep the process alive. Returns the function that stops watching.
 */
export function watchFiles(paths: readonly string[], onChange: () => void): () => void {
  const unique = [...new Set(paths)];
  for (const path of unique) {
    let watcher = watchers.get(path);
    if (!watcher) {
      const listeners = new Set<() => void>();
      const poll = (now: Stats, before: Stats) => {
        if (now.mtimeMs === before.mtimeMs && now.ino === before.ino && now.size === before.size) return;
        for (const l of [...listeners]) l();
      };
      watcher = { listeners, poll };
      watchers.set(path, watcher);
      watchFile(path, { persistent: false, interval: FILE_POLL_MS }, poll);
    }
    watcher.listeners.add(onChange);
  }
  return () => {
    for (const path of unique) {
      const watcher = watchers.get(path);
      if (!watcher) continue;
      watcher.listeners.delete(onChange);
      if (watcher.listeners.size === 0) {
        watchers.delete(path);
        unwatchFile(path, watcher.poll);
      }
    }
  };
}
