// The mesh settings in force: the MeshConfig resource in the store (there should be at most one;
// the oldest by name wins if several exist), resolved with every documented default.
import type { Resource } from '../api/index.js';
import { resolveMeshConfig, type MeshConfigSpec, type ResolvedMeshConfig } from '../api/mesh/mesh-config.js';

export function meshSettings(resources: readonly Resource[]): ResolvedMeshConfig {
  const mesh = resources.filter((r) => r.kind === 'MeshConfig').sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))[0];
  return resolveMeshConfig(mesh?.spec as MeshConfigSpec | undefined);
}
