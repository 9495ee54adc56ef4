// The envelope every configuration object shares, in Kubernetes form, so YAML written for
// `kubectl apply` in an Istio cluster loads here unchanged.
import { z } from 'zod';
import { labels, obj } from './fields/common.js';

export interface ObjectMeta {
  name: string;
  /** Defaults to `default`, as `kubectl apply` does without `-n`. */
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Set by the store: the revision at which this object last changed. */
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  uid?: string;
}

export interface Resource<S = Record<string, unknown>> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: S;
}

/** Where a resource was read from: for messages that point back at the user's file. */
export interface ResourceOrigin {
  file: string;
  line: number;
  /** 0-based index of the YAML document within the file. */
  document: number;
  /** Whether the document named its namespace (false: it got the default). */
  namespaced: boolean;
}

export const DEFAULT_NAMESPACE = 'default';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const objectMetaSchema = obj({
  name: z.string().max(253).regex(DNS1123_SUBDOMAIN, {
    message: 'is not a valid name: use lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
  }),
  namespace: z.string().max(63).regex(DNS1123_LABEL, {
    message: 'is not a valid namespace: use lowercase letters, digits and "-" (at most 63), starting and ending with a letter or digit',
  }).optional(),
  labels: labels.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  uid: z.string().optional(),
  // Present in `kubectl get -o yaml` output; accepted and ignored so such YAML loads unchanged.
  generateName: z.string().optional(),
  managedFields: z.array(z.unknown()).optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z.array(z.unknown()).optional(),
  selfLink: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  deletionGracePeriodSeconds: z.number().optional(),
});

/** Stable identity of a resource within a store: `Kind/namespace/name`. */
export function resourceKey(r: { kind: string; metadata: { namespace?: string; name: string } }): string {
  return `${r.kind}/${r.metadata.namespace ?? DEFAULT_NAMESPACE}/${r.metadata.name}`;
}
