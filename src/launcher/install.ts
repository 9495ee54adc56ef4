// Puts the demo's config into the store on the first `up` of a state dir. Later runs leave the
// store as the user left it (their `apply`s and `delete`s stand), except for the one thing a
// flag decides: the port the ingress gateway's Gateway server listens on.
import { loadPaths, type Resource } from '../api/index.js';
import { openStore } from '../store/index.js';
import { BOOKINFO_CONFIG_FILES, BOOKINFO_GATEWAY } from './bookinfo.js';
import { repoFile } from './isthmus-bin.js';
import type { StateDir } from './state-dir.js';

const INSTALLED = 'bookinfo-installed';

interface GatewayServer {
  port: { number: number; name: string; protocol: string };
  bind?: string;
}

export interface InstallResult {
  /** What changed, one line each, for the progress output. */
  changes: string[];
}

export async function installBookinfo(state: StateDir, gatewayPort: number): Promise<InstallResult> {
  const loaded = await loadPaths(BOOKINFO_CONFIG_FILES.map(repoFile));
  if (loaded.errors.length > 0) throw new Error(`the demo's own config is invalid:\n${loaded.errors.map((e) => e.message).join('\n')}`);
  const store = await openStore({ backend: 'file', dir: state.configDir });
  const changes: string[] = [];
  try {
    if (!state.has(INSTALLED)) {
      for (const { resource } of loaded.resources) {
        await store.apply(resource.kind === 'Gateway' ? onPort(resource, gatewayPort) : resource);
        changes.push(`${resource.kind.toLowerCase()}/${resource.metadata.name} created`);
      }
      state.mark(INSTALLED);
      return { changes };
    }
    const current = store.get('Gateway', 'default', BOOKINFO_GATEWAY);
    if (!current?.spec.servers) return { changes };
    const moved = onPort(current, gatewayPort);
    if (JSON.stringify(moved.spec) !== JSON.stringify(current.spec)) {
      const { resourceVersion: _rv, ...metadata } = current.metadata;
      await store.apply({ ...moved, metadata });
      changes.push(`gateway/${BOOKINFO_GATEWAY} now listens on port ${gatewayPort}`);
    }
    return { changes };
  } finally {
    await store.close();
  }
}

/**
 * The Gateway with its plain-HTTP server on the chosen port, bound to loopback: `up` is a demo
 * on one machine, and nothing else on the network should reach it.
 */
function onPort(gateway: Resource, port: number): Resource {
  const servers = (gateway.spec.servers as GatewayServer[]).map((s, i) =>
    i === 0 ? { ...s, port: { ...s.port, number: port }, bind: s.bind ?? '127.0.0.1' } : s);
  return { ...gateway, spec: { ...gateway.spec, servers } };
}
