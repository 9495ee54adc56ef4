// The listeners a Sidecar declares: ingress (towards its workload) and egress (from it).
import { z } from 'zod';
import { obj } from '../fields/common.js';
import { connectionPoolSettings } from './connection-pool.js';
import { UNIX_PREFIX, isDnsLabel, isIpAddress, isWildcardFqdn, unixPathProblem } from './net-address.js';
import { PROTOCOL_HINT, isTlsProtocol, parseProtocol } from './protocol.js';
import { sidecarIngressTls } from './sidecar-tls.js';

export const CAPTURE_MODES = ['DEFAULT', 'IPTABLES', 'NONE'] as const;

type Ctx = z.core.$RefinementCtx;
const issue = (ctx: Ctx, path: (string | number)[], message: string, hint: string) => ctx.addIssue({ code: 'custom', path, message, params: { hint } });

/** SidecarPort: number 0 is allowed only for egress listeners bound to a unix socket. */
export const sidecarPort = obj({
  number: z.number().int().min(0).max(65535),
  protocol: z.string().optional(),
  name: z.string().optional(),
  /** Deprecated: has no effect on sidecars, and Istio rejects it. */
  targetPort: z.number().int().min(0).max(65535).optional(),
}).superRefine((p, ctx) => {
  if (p.protocol && !parseProtocol(p.protocol)) issue(ctx, ['protocol'], `unsupported protocol "${p.protocol}"`, PROTOCOL_HINT);
  if (p.name && !isDnsLabel(p.name)) issue(ctx, ['name'], `"${p.name}" is not a valid port name`, 'use lowercase letters, digits and "-"');
  if ((p.targetPort ?? 0) > 0) issue(ctx, ['targetPort'], 'targetPort has no effect on a Sidecar', 'remove targetPort; use defaultEndpoint to pick the application port');
});
export type SidecarPort = z.infer<typeof sidecarPort>;

const ipBind = z.string().superRefine((b, ctx) => {
  if (b !== '' && !isIpAddress(b)) issue(ctx, [], `bind "${b}" is not an IP address`, 'ingress listeners bind to an IPv4 or IPv6 address such as "0.0.0.0"');
});

// Where inbound traffic is handed to the application: loopback, the instance IP, or a socket.
const ENDPOINT_HOSTS = ['127.0.0.1', '0.0.0.0', '::1', '::', ''];
const defaultEndpoint = z.string().superRefine((e, ctx) => {
  if (e === '') return;
  if (e.startsWith(UNIX_PREFIX)) {
    const problem = unixPathProblem(e.slice(UNIX_PREFIX.length));
    if (problem) issue(ctx, [], `defaultEndpoint "${e}": ${problem}`, 'e.g. unix:///var/run/app.sock');
    return;
  }
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d+)$/.exec(e);
  const host = m ? (m[1] ?? m[2] ?? '') : undefined;
  const portNum = m ? Number(m[3]) : 0;
  if (host === undefined || !ENDPOINT_HOSTS.includes(host) || portNum < 1 || portNum > 65535) {
    issue(ctx, [], `defaultEndpoint "${e}" is not a loopback, instance or unix:// endpoint`, 'use 127.0.0.1:PORT, [::1]:PORT, 0.0.0.0:PORT, [::]:PORT or unix:///path');
  }
});

export const istioIngressListener = obj({
  port: sidecarPort,
  bind: ipBind.optional(),
  captureMode: z.enum(CAPTURE_MODES).optional(),
  defaultEndpoint: defaultEndpoint.optional(),
  tls: sidecarIngressTls.optional(),
  connectionPool: connectionPoolSettings.optional(),
}).superRefine((l, ctx) => {
  if (l.port.number === 0) issue(ctx, ['port', 'number'], 'an ingress listener needs a port from 1 to 65535', 'port 0 is only for egress listeners bound to a unix socket');
  if (l.tls !== undefined && !isTlsProtocol(l.port.protocol ?? '')) {
    issue(ctx, ['tls'], `TLS settings need an HTTPS or TLS port, not "${l.port.protocol ?? ''}"`, 'set port.protocol to HTTPS or TLS, or remove tls');
  }
});
export type IstioIngressListener = z.infer<typeof istioIngressListener>;

/** `namespace/dnsName`: namespace is a name, "*", "." or "~"; dnsName "*" or an FQDN (wildcard first label). */
const egressHost = z.string().superRefine((h, ctx) => {
  const slash = h.indexOf('/');
  const hint = 'write hosts as namespace/dnsName, e.g. "istio-system/*", "./reviews.default.svc.cluster.local" or "*/api.example.com"';
  if (slash < 0) return issue(ctx, [], `egress host "${h}" has no namespace`, hint);
  const ns = h.slice(0, slash);
  const dns = h.slice(slash + 1);
  if (!['*', '.', '~'].includes(ns) && !isDnsLabel(ns)) issue(ctx, [], `"${ns}" in "${h}" is not a namespace`, hint);
  else if (dns !== '*' && !dns.includes('.')) issue(ctx, [], `"${dns}" in "${h}" is a short name`, 'use the fully-qualified name, e.g. "reviews.default.svc.cluster.local", or "*"');
  else if (!isWildcardFqdn(dns)) issue(ctx, [], `"${dns}" in "${h}" is not a valid host`, 'use "*" or a lowercase DNS name whose first label may be "*", e.g. "*.example.com"');
});

export const istioEgressListener = obj({
  port: sidecarPort.optional(),
  bind: z.string().optional(),
  captureMode: z.enum(CAPTURE_MODES).optional(),
  hosts: z.array(egressHost).min(1),
}).superRefine((l, ctx) => {
  const bind = l.bind ?? '';
  if (l.port === undefined) {
    if (bind !== '') issue(ctx, ['bind'], 'bind needs a port', 'set port, or remove bind');
    return;
  }
  if (l.port.number === 0) {
    if (!bind.startsWith(UNIX_PREFIX)) issue(ctx, ['bind'], 'port 0 needs a unix:// bind address', 'bind to unix:///path/to/socket, or use a real port number');
    else {
      const problem = unixPathProblem(bind.slice(UNIX_PREFIX.length));
      if (problem) issue(ctx, ['bind'], `bind "${bind}": ${problem}`, 'e.g. unix:///var/run/egress.sock');
    }
    if (l.captureMode === 'IPTABLES') issue(ctx, ['captureMode'], 'unix socket listeners cannot use captureMode IPTABLES', 'use DEFAULT or NONE');
  } else if (bind !== '' && !isIpAddress(bind)) {
    issue(ctx, ['bind'], `bind "${bind}" is not an IP address`, 'bind to an IP such as "127.0.0.1", or use port 0 with a unix:// socket');
  }
});
export type IstioEgressListener = z.infer<typeof istioEgressListener>;
