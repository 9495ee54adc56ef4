// Gateway (networking.istio.io): the ports, protocols, hosts and TLS settings a proxy at the
// edge of the mesh listens with. Checks follow istiod's validateServer/validateTLSOptions.
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { labels, obj, uint32 } from '../fields/common.js';
import { fail, isIpAddress, serverHostError } from './virtual-service-hosts.js';

/** Protocols a Gateway port may declare; Istio reads them case-insensitively. */
export const GATEWAY_PROTOCOLS = ['HTTP', 'HTTPS', 'GRPC', 'GRPC-WEB', 'HTTP2', 'MONGO', 'TCP', 'TLS', 'REDIS', 'MYSQL'] as const;
const TLS_PROTOCOLS = new Set(['HTTPS', 'TLS']);
const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);
const UNIX_PREFIX = 'unix://';

export const gatewayPort = obj({
  // 0 only with a unix:// bind; the server-level check enforces 1..65535 otherwise.
  number: uint32.max(65535),
  protocol: z.string().superRefine((p, ctx) => {
    if (!(GATEWAY_PROTOCOLS as readonly string[]).includes(p.toUpperCase())) {
      fail(ctx, [], `"${p}" is not a protocol a Gateway serves`, `use one of ${GATEWAY_PROTOCOLS.join(', ')}`);
    }
  }),
  name: z.string().min(1),
  /** Deprecated and meaningless on gateways; istiod rejects it, and so do we. */
  targetPort: uint32.optional(),
}).superRefine((p, ctx) => {
  if (p.targetPort) fail(ctx, ['targetPort'], 'targetPort has no effect on a Gateway', 'remove targetPort');
});
export type GatewayPort = z.infer<typeof gatewayPort>;

const TLS_VERSIONS = ['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'] as const;
export const TLS_MODES = ['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'] as const;

export const tlsCertificate = obj({
  serverCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
});

const tlsBase = obj({
  httpsRedirect: z.boolean().optional(),
  mode: z.enum(TLS_MODES).optional(), // proto3 default: PASSTHROUGH
  serverCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  caCrl: z.string().optional(),
  credentialName: z.string().optional(),
  credentialNames: z.array(z.string()).optional(),
  tlsCertificates: z.array(tlsCertificate).optional(),
  subjectAltNames: z.array(z.string()).optional(),
  verifyCertificateSpki: z.array(z.string()).optional(),
  verifyCertificateHash: z.array(z.string()).optional(),
  minProtocolVersion: z.enum(TLS_VERSIONS).optional(),
  maxProtocolVersion: z.enum(TLS_VERSIONS).optional(),
  cipherSuites: z.array(z.string()).optional(),
});
type Tls = z.infer<typeof tlsBase>;

function checkTls(tls: Tls, ctx: z.core.$RefinementCtx<Tls>): void {
  const mode = tls.mode ?? 'PASSTHROUGH';
  const hasCredentials = Boolean(tls.credentialName) || (tls.credentialNames?.length ?? 0) > 0;
  if (mode === 'ISTIO_MUTUAL') {
    // Istio supplies the workload certificate itself; any other source would be ignored.
    const extra = (['serverCertificate', 'privateKey', 'caCertificates', 'credentialName', 'credentialNames', 'tlsCertificates'] as const)
      .find((k) => (Array.isArray(tls[k]) ? (tls[k] as unknown[]).length > 0 : Boolean(tls[k])));
    if (extra) fail(ctx, [extra], `ISTIO_MUTUAL TLS cannot have ${extra}`, 'remove it: Istio provides the certificates in this mode');
    return;
  }
  const sources = [
    tls.serverCertificate && tls.privateKey ? 'serverCertificate/privateKey' : '',
    tls.credentialName ? 'credentialName' : '',
    tls.credentialNames?.length ? 'credentialNames' : '',
    tls.tlsCertificates?.length ? 'tlsCertificates' : '',
  ].filter(Boolean);
  if (sources.length > 1) {
    fail(ctx, [], `TLS certificates are given more than once (${sources.join(', ')})`, 'use only one of credentialName, credentialNames, serverCertificate/privateKey and tlsCertificates');
  }
  if (tls.caCrl) {
    if (tls.credentialName) fail(ctx, ['caCrl'], 'caCrl cannot be used with credentialName', 'put the CRL in the credential secret (key "ca.crl")');
    else if (mode === 'SIMPLE') fail(ctx, ['caCrl'], 'caCrl cannot be used with SIMPLE TLS', 'a CRL checks client certificates: use MUTUAL');
  }
  if (mode !== 'SIMPLE' && mode !== 'MUTUAL' && mode !== 'OPTIONAL_MUTUAL') return;
  if (hasCredentials) return; // certificates come from the secret
  const label = mode === 'SIMPLE' ? 'SIMPLE TLS' : `${mode} TLS`;
  const hint = 'set credentialName to a secret holding the certificate and key, or set serverCertificate and privateKey';
  if (mode !== 'SIMPLE' && !tls.caCertificates) {
    fail(ctx, ['caCertificates'], `${label} requires a client CA bundle (caCertificates)`, 'set caCertificates, or use credentialName with a "cacert" key');
  }
  if (tls.tlsCertificates?.length) {
    tls.tlsCertificates.forEach((c, i) => {
      if (!c.serverCertificate) fail(ctx, ['tlsCertificates', i, 'serverCertificate'], `${label} requires a server certificate`, hint);
      if (!c.privateKey) fail(ctx, ['tlsCertificates', i, 'privateKey'], `${label} requires a private key`, hint);
    });
    return;
  }
  if (!tls.serverCertificate) fail(ctx, [], `${label} requires a server certificate`, hint);
  else if (!tls.privateKey) fail(ctx, ['privateKey'], `${label} requires a private key`, hint);
}

export const serverTlsSettings = tlsBase.superRefine(checkTls);
export type ServerTLSSettings = z.infer<typeof serverTlsSettings>;

const serverHost = z.string().superRefine((h, ctx) => {
  const err = serverHostError(h);
  if (err) fail(ctx, [], err, 'use "[namespace/]dnsName" such as "*", "bookinfo.com", "prod/*.example.com", "./foo.com" or "*/foo.com"');
});

export const server = obj({
  port: gatewayPort,
  bind: z.string().optional(),
  hosts: z.array(serverHost).min(1),
  tls: serverTlsSettings.optional(),
  defaultEndpoint: z.string().optional(),
  name: z.string().optional(),
}).superRefine((s, ctx) => {
  const protocol = s.port.protocol.toUpperCase();
  const unixBind = s.bind?.startsWith(UNIX_PREFIX) ?? false;
  if (unixBind) {
    const path = (s.bind as string).slice(UNIX_PREFIX.length);
    if (!path.startsWith('@') && (!isAbsolute(path) || path.endsWith('/'))) {
      fail(ctx, ['bind'], `"${s.bind}" is not a unix socket path`, 'use unix:///absolute/path or unix://@abstract-name');
    }
    if (s.port.number !== 0) fail(ctx, ['port', 'number'], 'a server bound to a unix socket must have port number 0', 'set port.number to 0');
  } else {
    if (s.bind && !isIpAddress(s.bind)) fail(ctx, ['bind'], `"${s.bind}" is not an IP address`, 'use an address such as "127.0.0.1", or unix:///path');
    // Above 65535 is already reported by the port schema.
    if (s.port.number === 0) fail(ctx, ['port', 'number'], 'port number 0 is only for unix socket binds', 'use a port between 1 and 65535');
  }
  if (!(GATEWAY_PROTOCOLS as readonly string[]).includes(protocol)) return; // reported by the port schema
  if (TLS_PROTOCOLS.has(protocol) && !s.tls) {
    fail(ctx, ['port', 'protocol'], `a ${protocol} server needs tls settings`, 'add tls: {mode: SIMPLE, credentialName: <secret>}');
  } else if (!TLS_PROTOCOLS.has(protocol) && s.tls) {
    const mode = s.tls.mode ?? 'PASSTHROUGH';
    // On plain HTTP the only TLS setting that makes sense is httpsRedirect.
    const redirectOnly = (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') && !s.tls.caCertificates && !s.tls.privateKey && !s.tls.serverCertificate;
    if (!HTTP_PROTOCOLS.has(protocol)) fail(ctx, ['tls'], `a ${protocol} server cannot have tls settings`, 'use protocol HTTPS or TLS to terminate TLS');
    else if (!redirectOnly) fail(ctx, ['tls'], 'a plain-text HTTP server cannot have TLS settings', 'use protocol HTTPS, or keep only tls.httpsRedirect');
  }
});
export type Server = z.infer<typeof server>;

export const gatewaySpec = obj({
  selector: labels.optional(),
  servers: z.array(server).min(1),
}).superRefine((g, ctx) => {
  const portNames = new Map<string, number>();
  const serverNames = new Map<string, number>();
  g.servers.forEach((s, i) => {
    if (portNames.has(s.port.name)) fail(ctx, ['servers', i, 'port', 'name'], `port name "${s.port.name}" is already used by servers[${portNames.get(s.port.name)}]`, 'give every server port a unique name');
    else portNames.set(s.port.name, i);
    if (s.name === undefined) return;
    if (serverNames.has(s.name)) fail(ctx, ['servers', i, 'name'], `server name "${s.name}" is already used by servers[${serverNames.get(s.name)}]`, 'server names must be unique');
    else serverNames.set(s.name, i);
  });
});

export type GatewaySpec = z.infer<typeof gatewaySpec>;
