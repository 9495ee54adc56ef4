// Which credential secrets (`kubernetes://…`, a Gateway's credentialName) a listener's or
// cluster's TLS contexts name. The client subscribes to exactly those over SDS, as Envoy follows
// an SdsSecretConfig; the listener manager keeps a listener warming until they have arrived.
// The mesh names (`default`, `ROOTCA`) and file names are answered inside the proxy, not here.
import { asFields, list, type Fields } from './fields.js';

export const CREDENTIAL_PREFIX = 'kubernetes://';

export function isCredentialName(name: string): boolean {
  return name.startsWith(CREDENTIAL_PREFIX) && name.length > CREDENTIAL_PREFIX.length;
}

/** The credential names one TLS context (Upstream or DownstreamTlsContext) refers to. */
function fromTlsContext(context: Fields | undefined, out: Set<string>): void {
  const common = asFields(context?.common_tls_context);
  if (!common) return;
  const configs = [
    ...list(common.tls_certificate_sds_secret_configs),
    asFields(common.validation_context_sds_secret_config),
    asFields(asFields(common.combined_validation_context)?.validation_context_sds_secret_config),
  ];
  for (const c of configs) if (typeof c?.name === 'string' && isCredentialName(c.name)) out.add(c.name);
}

function fromTransportSocket(socket: unknown, out: Set<string>): void {
  fromTlsContext(asFields(asFields(socket)?.typed_config), out);
}

/** Credential names a decoded Listener's filter chains terminate TLS with. */
export function listenerCredentialNames(raw: Fields): string[] {
  const out = new Set<string>();
  for (const chain of [...list(raw.filter_chains), asFields(raw.default_filter_chain)]) fromTransportSocket(chain?.transport_socket, out);
  return [...out].sort();
}

/** Credential names a decoded Cluster originates TLS with (an egress gateway's credentialName). */
export function clusterCredentialNames(raw: Fields): string[] {
  const out = new Set<string>();
  fromTransportSocket(raw.transport_socket, out);
  for (const m of list(raw.transport_socket_matches)) fromTransportSocket(m.transport_socket, out);
  return [...out].sort();
}
