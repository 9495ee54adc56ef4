// A resource as its YAML document is written: Istio kinds as `{apiVersion, kind, metadata, spec}`,
// core kinds with their fields at the top level, so what the store writes reads back the same.
import { kindFor } from '../kinds.js';
import type { Resource } from '../resource.js';

export function documentOf(resource: Resource, metadata: object = resource.metadata): Record<string, unknown> {
  if (kindFor(resource.apiVersion, resource.kind)?.specAtTopLevel) return { apiVersion: resource.apiVersion, kind: resource.kind, metadata, ...resource.spec };
  return { apiVersion: resource.apiVersion, kind: resource.kind, metadata, spec: resource.spec };
}
