// ClientTLSSettings → the cluster's upstream TLS transport socket. Certificates never appear
// here: sidecars fetch them over SDS by name (`default` = the workload cert, `ROOTCA` = the
// mesh root, `file-cert:`/`file-root:`/`kubernetes://` for user material, as Istio names them);
// gRPC clients read them from their bootstrap's certificate provider instance `default`.
import type { ClientTLSSettings } from '../../api/networking/destination-rule.js';
import type { ClientKind } from './context.js';
import { SDS_ROOT, SDS_WORKLOAD } from './names.js';
import { adsConfigSource, any } from './proto.js';
import { EXT, FILTER } from './type-urls.js';

function sds(name: string): Record<string, unknown> {
  return { name, sds_config: adsConfigSource() };
}

function typedSans(sans: readonly string[]): Record<string, unknown>[] {
  return sans.map((s) => ({ san_type: s.startsWith('spiffe://') ? 'URI' : 'DNS', matcher: { exact: s } }));
}

export interface TlsTarget {
  host: string;
  port: number;
  subset: string;
  /** Identities to accept from the server (SPIFFE ids of its service accounts, or DR/SE subjectAltNames). */
  subjectAltNames: readonly string[];
}

function socket(context: Record<string, unknown>): Record<string, unknown> {
  return { name: FILTER.TLS, typed_config: any(EXT.UPSTREAM_TLS, context) };
}

export function upstreamTls(tls: ClientTLSSettings | undefined, target: TlsTarget, kind: ClientKind): Record<string, unknown> | undefined {
  const mode = tls?.mode ?? 'DISABLE';
  if (mode === 'DISABLE') return undefined;
  const sans = tls?.subjectAltNames?.length ? tls.subjectAltNames : target.subjectAltNames;
  if (kind === 'proxyless') {
    // gRPC accepts only certificate-provider instances; file/credential TLS is not expressible.
    if (mode !== 'ISTIO_MUTUAL') return undefined;
    const validation: Record<string, unknown> = { ca_certificate_provider_instance: { instance_name: 'default', certificate_name: SDS_ROOT } };
    if (sans.length) validation.match_subject_alt_names = sans.map((exact) => ({ exact }));
    return socket({
      common_tls_context: {
        tls_certificate_provider_instance: { instance_name: 'default', certificate_name: SDS_WORKLOAD },
        combined_validation_context: { default_validation_context: validation },
      },
    });
  }
  const common: Record<string, unknown> = {};
  const validation: Record<string, unknown> = {};
  if (sans.length) validation.match_typed_subject_alt_names = typedSans(sans);
  let rootName: string | undefined;
  if (mode === 'ISTIO_MUTUAL') {
    common.tls_certificate_sds_secret_configs = [sds(SDS_WORKLOAD)];
    common.alpn_protocols = ['istio-peer-exchange', 'istio'];
    rootName = SDS_ROOT;
  } else {
    if (mode === 'MUTUAL') {
      const cert = tls?.credentialName ? `kubernetes://${tls.credentialName}` : `file-cert:${tls?.clientCertificate ?? ''}~${tls?.privateKey ?? ''}`;
      common.tls_certificate_sds_secret_configs = [sds(cert)];
    }
    if (!tls?.insecureSkipVerify) {
      if (tls?.credentialName) rootName = `kubernetes://${tls.credentialName}-cacert`;
      else if (tls?.caCertificates) rootName = `file-root:${tls.caCertificates}`;
    }
  }
  if (rootName) common.combined_validation_context = { default_validation_context: validation, validation_context_sds_secret_config: sds(rootName) };
  const context: Record<string, unknown> = { common_tls_context: common };
  const sni = tls?.sni ?? (mode === 'ISTIO_MUTUAL' ? `outbound_.${target.port}_.${target.subset}_.${target.host}` : undefined);
  if (sni) context.sni = sni;
  return socket(context);
}
