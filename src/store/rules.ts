// The rules every backend applies the same way: what may be stored (validation), when a write may
// happen (resourceVersion preconditions), and when a write is a no-op (same content).
import { isDeepStrictEqual } from 'node:util';
import { resourceKey, validateObject, type Resource } from '../api/index.js';
import { ConflictError, ValidationError } from './errors.js';
import type { ListFilter } from './store.js';

/** Validates input to `apply`; returns the resource as the loader normalises it (namespace defaulted). */
export function validateForStore(input: unknown): Resource {
  const result = validateObject(input, '<apply>');
  if (Array.isArray(result)) throw new ValidationError(result);
  return result.resource;
}

/** Kubernetes treats an empty resourceVersion as unset; so do we. */
export function requestedVersion(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** Throws ConflictError unless the precondition `requested` holds for what is stored. */
export function checkPrecondition(key: string, requested: string | undefined, stored: Resource | undefined): void {
  const want = requestedVersion(requested);
  if (want === undefined) return;
  const have = stored?.metadata.resourceVersion;
  if (have !== want) throw new ConflictError(key, want, stored ? have : undefined);
}

/** The resource without its store-assigned resourceVersion: what "changed" is judged on. */
export function content(r: Resource): Resource {
  const { resourceVersion: _rv, ...metadata } = r.metadata;
  return { apiVersion: r.apiVersion, kind: r.kind, metadata, spec: r.spec };
}

export function sameContent(a: Resource, b: Resource): boolean {
  return isDeepStrictEqual(content(a), content(b));
}

export function matches(r: Resource, filter: ListFilter | undefined): boolean {
  return (filter?.kind === undefined || r.kind === filter.kind) && (filter?.namespace === undefined || r.metadata.namespace === filter.namespace);
}

export function byKey(a: Resource, b: Resource): number {
  const ka = resourceKey(a);
  const kb = resourceKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function keyOf(kind: string, namespace: string, name: string): string {
  return resourceKey({ kind, metadata: { namespace, name } });
}
