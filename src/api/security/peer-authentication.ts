// security.istio.io PeerAuthentication: whether a workload's inbound traffic must be mutual TLS.
// Port-level settings only make sense for a selected workload, so Istio requires a selector.
import { z } from 'zod';
import { obj, workloadSelector } from '../fields/common.js';

export const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] as const;

/** UNSET inherits from the namespace, then the mesh; with nothing to inherit it acts as PERMISSIVE. */
export const mutualTls = obj({ mode: z.enum(MTLS_MODES).optional() });

/** YAML map keys are port numbers (`8080:`); they arrive as strings. */
const portLevelMtls = z.record(z.string(), mutualTls).superRefine((map, ctx) => {
  const ports = Object.keys(map);
  if (ports.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'portLevelMtls must not be empty when set', params: { hint: 'add a port, e.g. 8080: {mode: DISABLE}, or remove portLevelMtls' } });
  }
  for (const p of ports) {
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) {
      ctx.addIssue({ code: 'custom', path: [p], message: `"${p}" is not a port number`, params: { hint: 'keys of portLevelMtls are port numbers 1..65535' } });
    }
  }
});

export const peerAuthenticationSpec = obj({
  selector: workloadSelector.optional(),
  mtls: mutualTls.optional(),
  portLevelMtls: portLevelMtls.optional(),
}).superRefine((spec, ctx) => {
  const hasLabels = Object.keys(spec.selector?.matchLabels ?? {}).length > 0;
  if (spec.portLevelMtls !== undefined && !hasLabels) {
    ctx.addIssue({
      code: 'custom', path: ['portLevelMtls'], message: 'portLevelMtls needs a workload selector',
      params: { hint: 'add selector.matchLabels for the workload whose ports these are; mesh- and namespace-wide policies cannot set port-level mTLS' },
    });
  }
});
export type PeerAuthenticationSpec = z.infer<typeof peerAuthenticationSpec>;
