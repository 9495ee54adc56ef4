// Sidecar (networking.istio.io): narrows what one workload's proxy accepts and can reach.
import { z } from 'zod';
import { obj, port } from '../fields/common.js';
import { connectionPoolSettings } from './connection-pool.js';
import { isFqdn } from './net-address.js';
import { istioEgressListener, istioIngressListener } from './sidecar-listeners.js';
import { networkingWorkloadSelector } from './workload-selector.js';

export { istioEgressListener, istioIngressListener, sidecarPort, CAPTURE_MODES, type IstioEgressListener, type IstioIngressListener, type SidecarPort } from './sidecar-listeners.js';
export { serverTlsSettings, type ServerTLSSettings } from './sidecar-tls.js';

type Ctx = z.core.$RefinementCtx;
const issue = (ctx: Ctx, path: (string | number)[], message: string, hint: string) => ctx.addIssue({ code: 'custom', path, message, params: { hint } });

// A Destination as VirtualService has it; egressProxy needs a port, so it is required here.
const egressProxy = obj({
  host: z.string().superRefine((h, ctx) => {
    if (!isFqdn(h)) issue(ctx, [], `egress proxy host "${h}" is not a fully-qualified name`, 'e.g. "istio-egressgateway.istio-system.svc.cluster.local"');
  }),
  subset: z.string().optional(),
  port: obj({ number: port }),
});

export const OUTBOUND_MODES = ['REGISTRY_ONLY', 'ALLOW_ANY'] as const;

const outboundTrafficPolicy = obj({
  mode: z.enum(OUTBOUND_MODES).optional(),
  egressProxy: egressProxy.optional(),
}).superRefine((p, ctx) => {
  // The proto default (enum 0) is REGISTRY_ONLY.
  if (p.egressProxy !== undefined && p.mode !== 'ALLOW_ANY') {
    issue(ctx, ['egressProxy'], 'egressProxy needs mode ALLOW_ANY', 'unknown traffic is dropped in REGISTRY_ONLY mode, so there is nothing to forward; set mode: ALLOW_ANY');
  }
});

export const sidecarSpec = obj({
  workloadSelector: networkingWorkloadSelector.optional(),
  ingress: z.array(istioIngressListener).optional(),
  egress: z.array(istioEgressListener).optional(),
  inboundConnectionPool: connectionPoolSettings.optional(),
  outboundTrafficPolicy: outboundTrafficPolicy.optional(),
}).superRefine((s, ctx) => {
  if (!s.ingress?.length && !s.egress?.length && s.outboundTrafficPolicy === undefined && s.inboundConnectionPool === undefined) {
    issue(ctx, [], 'the Sidecar configures nothing', 'set at least one of ingress, egress, outboundTrafficPolicy or inboundConnectionPool');
  }
  const ingressPorts = new Map<number, number>();
  (s.ingress ?? []).forEach((l, i) => {
    const seen = ingressPorts.get(l.port.number);
    if (seen !== undefined) issue(ctx, ['ingress', i, 'port', 'number'], `port ${l.port.number} is already used by ingress[${seen}]`, 'ingress listener ports must be unique');
    else ingressPorts.set(l.port.number, i);
  });
  checkEgress(s.egress ?? [], ctx);
});
export type SidecarSpec = z.infer<typeof sidecarSpec>;

function checkEgress(egress: NonNullable<SidecarSpec['egress']>, ctx: Ctx): void {
  const ports = new Map<number, number>();
  const sockets = new Map<string, number>();
  egress.forEach((l, i) => {
    if (l.port === undefined) {
      // The portless listener is the catch-all, so it must come last and only once.
      if (i !== egress.length - 1) issue(ctx, ['egress', i], 'the egress listener without a port must be the last one', 'move it to the end of egress; only one listener may omit port');
      return;
    }
    const [map, key, what] = l.port.number === 0 ? [sockets, l.bind ?? '', `socket ${l.bind ?? ''}`] as const : [ports, l.port.number, `port ${l.port.number}`] as const;
    const seen = (map as Map<typeof key, number>).get(key);
    if (seen !== undefined) issue(ctx, ['egress', i, 'port', 'number'], `${what} is already used by egress[${seen}]`, 'egress listener ports and sockets must be unique');
    else (map as Map<typeof key, number>).set(key, i);
  });
}
