// exportTo as Istio reads it: which namespaces may see a resource. Lists are normalised first
// (`.` → the owner's namespace, `~` → nobody, missing → everyone).
import { normaliseExportTo } from '../../registry/service-entry.js';

export { normaliseExportTo };

/** Whether a resource exported as `exportTo` (normalised) is visible from namespace `ns`. */
export function isVisibleTo(exportTo: readonly string[], ns: string): boolean {
  return exportTo.includes('*') || exportTo.includes(ns);
}

/** Sort key for config precedence: oldest first (creationTimestamp), then by name, as Istio does. */
export function byAge<T extends { metadata: { creationTimestamp?: string; namespace: string; name: string } }>(a: T, b: T): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`);
}
