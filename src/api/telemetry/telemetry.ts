// telemetry.istio.io Telemetry (v1alpha1 and v1 share this schema): per-workload, per-namespace or
// mesh-wide settings for tracing, metrics and access logs, each bound to named providers that
// MeshConfig declares.
import { z } from 'zod';
import { duration, obj, oneOf, percentValue } from '../fields/common.js';
import { checkSingleTargeting, targetingFields } from '../security/policy-target.js';
import { listOf, nonEmptyText } from '../security/text.js';

/** Traffic direction from the workload's point of view; CLIENT_AND_SERVER when unset. */
export const WORKLOAD_MODES = ['CLIENT_AND_SERVER', 'CLIENT', 'SERVER'] as const;
const workloadMode = z.enum(WORKLOAD_MODES);

const providerRef = obj({ name: nonEmptyText('the provider name must not be empty', 'name a provider declared in MeshConfig extensionProviders') });

const customTag = oneOf(obj({
  literal: obj({ value: nonEmptyText('a literal tag needs a value', 'set value to the text every span gets') }).optional(),
  environment: obj({ name: nonEmptyText('the environment variable name must not be empty', 'name a variable set in the proxy\'s environment'), defaultValue: z.string().optional() }).optional(),
  header: obj({ name: nonEmptyText('the header name must not be empty', 'name a request header such as user-agent'), defaultValue: z.string().optional() }).optional(),
}), ['literal', 'environment', 'header'], { required: true });

export const tracing = obj({
  match: obj({ mode: workloadMode.optional() }).optional(),
  /** Istio supports a single provider per tracing rule for now. */
  providers: listOf(providerRef, { max: 1, problem: 'only one tracing provider per rule is supported', hint: 'use one tracing entry per provider' }).optional(),
  /** 0..100, in steps of 0.01; the provider's default applies when unset. */
  randomSamplingPercentage: percentValue.optional(),
  /** Stops span reporting only; trace context is still propagated. */
  disableSpanReporting: z.boolean().optional(),
  /** Replaces (does not merge with) custom tags inherited from parent configuration. */
  customTags: z.record(z.string(), customTag).optional(),
  /** Base the sampling decision on x-request-id; unset keeps Envoy's default, true. */
  useRequestIdForTraceSampling: z.boolean().optional(),
});

export const ISTIO_METRICS = [
  'ALL_METRICS', 'REQUEST_COUNT', 'REQUEST_DURATION', 'REQUEST_SIZE', 'RESPONSE_SIZE',
  'TCP_OPENED_CONNECTIONS', 'TCP_CLOSED_CONNECTIONS', 'TCP_SENT_BYTES', 'TCP_RECEIVED_BYTES',
  'GRPC_REQUEST_MESSAGES', 'GRPC_RESPONSE_MESSAGES',
] as const;

const metricSelector = oneOf(obj({
  metric: z.enum(ISTIO_METRICS).optional(),
  customMetric: nonEmptyText('customMetric must not be empty', 'name the metric, e.g. my_custom_metric, or use metric').optional(),
  mode: workloadMode.optional(),
}), ['metric', 'customMetric']);

export const TAG_OPERATIONS = ['UPSERT', 'REMOVE'] as const;

/** UPSERT (the default) sets the tag to the value of an expression; REMOVE drops the tag. */
const tagOverride = obj({
  operation: z.enum(TAG_OPERATIONS).optional(),
  value: z.string().optional(),
}).superRefine((t, ctx) => {
  const op = t.operation ?? 'UPSERT';
  if (op === 'UPSERT' && (t.value === undefined || t.value === '')) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: 'an UPSERT tag override needs a value', params: { hint: 'set value to an attribute expression such as "request.host", or use operation: REMOVE' } });
  }
  if (op === 'REMOVE' && t.value !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: 'a REMOVE tag override must not have a value', params: { hint: 'remove value, or use operation: UPSERT' } });
  }
});

const metricsOverride = obj({
  /** Omitted: all Istio metrics, client and server. */
  match: metricSelector.optional(),
  disabled: z.boolean().optional(),
  tagOverrides: z.record(z.string(), tagOverride).optional(),
});

export const metrics = obj({
  providers: z.array(providerRef).optional(),
  /** Applied in order, after overrides inherited from the mesh and namespace. */
  overrides: z.array(metricsOverride).optional(),
  /** How often metrics are flushed to the provider (Envoy's stats flush); provider default when unset. */
  reportingInterval: duration({ minMs: 1 }).optional(),
});

export const accessLogging = obj({
  match: obj({ mode: workloadMode.optional() }).optional(),
  providers: z.array(providerRef).optional(),
  /** Unset means "inherit"; a parent's `disabled: true` needs an explicit `false` to undo. */
  disabled: z.boolean().optional(),
  /** A CEL expression; only matching requests are logged. */
  filter: obj({ expression: nonEmptyText('the filter expression must not be empty', 'write a CEL expression such as response.code >= 400, or remove filter') }).optional(),
});

export const telemetrySpec = obj({
  ...targetingFields,
  tracing: z.array(tracing).optional(),
  metrics: z.array(metrics).optional(),
  accessLogging: z.array(accessLogging).optional(),
}).superRefine((spec, ctx) => checkSingleTargeting(spec, ctx));
export type TelemetrySpec = z.infer<typeof telemetrySpec>;
