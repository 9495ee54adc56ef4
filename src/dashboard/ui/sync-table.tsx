// Proxy sync status as /debug/syncz has it: per xDS type, the version sent, the version acked,
// and the last NACK with the proxy's reason.
import type { SyncStatus, TypeSyncStatus } from '../../control/xds/index.js';
import { typeName } from './format.js';

function state(t: TypeSyncStatus): 'SYNCED' | 'STALE' | 'NACKED' | 'NOT SENT' {
  if (t.lastNack && t.lastNack.version === t.sent) return 'NACKED';
  if (t.sent === null) return 'NOT SENT';
  return t.sent === t.acked ? 'SYNCED' : 'STALE';
}

export function SyncTable({ proxies }: { proxies: readonly SyncStatus[] }) {
  if (proxies.length === 0) return <p class="muted">No proxy of this service is connected.</p>;
  return (
    <table class="sync">
      <thead><tr><th>Proxy</th><th>Connected</th><th>xDS</th><th>Types (sent / acked)</th></tr></thead>
      <tbody>
        {proxies.map((p) => (
          <tr key={`${p.id}#${p.stream}`} data-proxy={p.id}>
            <td><code>{p.id}</code>{p.admin && <div class="muted">admin {p.admin}</div>}</td>
            <td>{new Date(p.connectedAt).toLocaleTimeString()}</td>
            <td>{p.variant}</td>
            <td>
              {Object.entries(p.types).map(([url, t]) => {
                const s = state(t);
                return (
                  <div key={url} class={`sync-type ${s === 'NACKED' ? 'bad' : s === 'STALE' ? 'warn' : ''}`}>
                    <b>{typeName(url)}</b> <span class="badge">{s}</span> {t.sent ?? '–'} / {t.acked ?? '–'}
                    {t.lastNack && <div class="error">NACK of {t.lastNack.version}: {t.lastNack.message}</div>}
                  </div>
                );
              })}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ProxiesPage({ proxies, error }: { proxies: SyncStatus[] | undefined; error: string | undefined }) {
  if (!proxies) return <p class="muted">{error ?? 'Loading…'}</p>;
  return (
    <section>
      <h2>Proxies ({proxies.length})</h2>
      {error && <p class="error">{error}</p>}
      <SyncTable proxies={proxies} />
    </section>
  );
}
