// Certificates and keys the proxy reads itself. Istio's node agent answers a few SDS secret
// names from local files rather than from the mesh CA — `file-cert:<chain>~<key>` and
// `file-root:<ca>`, which the control plane emits for DestinationRule clientCertificate /
// privateKey / caCertificates. Isthmus has no node agent and its control plane serves no
// secrets, so the proxy resolves those names here, reads Envoy DataSources (file, inline,
// environment variable) and watches the files so a rotated certificate reaches new connections.
// Names that need the mesh CA (`default`, `ROOTCA`) or a credential store (`kubernetes://…`)
// are refused with the reason, so the cluster is NACKed instead of silently sent in plaintext.
import { X509Certificate } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { asFields, reject, type Fields } from '../xds-client/fields.js';

/** Where one piece of secret material comes from: a file (re-read when it changes) or bytes. */
export type SecretSource = { filename: string } | { inline: Buffer };

/** What an SDS name stands for once resolved locally. */
export type LocalSecret =
  | { kind: 'tls_certificate'; chain: SecretSource; key: SecretSource }
  | { kind: 'validation_context'; trustedCa: SecretSource };

/** Istio's names for the workload certificate and the mesh root (src/control/translate/names.ts). */
const MESH_CA_NAMES = new Set(['default', 'ROOTCA']);

const ISTIO_MUTUAL_REASON = 'ISTIO_MUTUAL needs the workload certificate from the mesh CA, not built yet';

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
  if (MESH_CA_NAMES.has(name)) reject(`${field}.name`, `SDS secret "${name}": ${ISTIO_MUTUAL_REASON}`);
  if (name.startsWith('kubernetes://')) {
    reject(`${field}.name`, `SDS secret "${name}": credentialName needs the control plane to serve secrets over SDS, not built yet; use clientCertificate/privateKey/caCertificates files`);
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
  return reject(`${field}.name`, `SDS secret "${name}": the control plane serves no SDS secrets; the proxy resolves only file-cert:<cert>~<key> and file-root:<ca> names itself`);
}

/** The bytes of a source; a file is read now (config time, small files). */
export function readSource(source: SecretSource, what: string): Buffer {
  if ('inline' in source) return source.inline;
  try {
    return readFileSync(source.filename);
  } catch (err) {
    throw new Error(`cannot read ${what} ${source.filename}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/** How often watched files are checked (a stat per file; certificates rotate in hours). */
/** How a secret source is named in errors: `trusted CA /etc/ca.pem` or `inline trusted CA`. */
export function describeSource(source: SecretSource, what: string): string {
  return 'filename' in source ? `${what} ${source.filename}` : `inline ${what}`;
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
