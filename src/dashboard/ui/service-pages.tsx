// The services list and one service's page: the config that applies to it with its validation
// status, its endpoints, and its proxies' sync status.
import type { ServiceDetail, ServiceSummary } from '../service-view.js';
import { usePoll } from './poll.js';
import { SyncTable } from './sync-table.js';

interface StoreError {
  code: string;
  file: string;
  line: number;
  path?: string;
  problem: string;
  hint?: string;
}

function Status({ status }: { status: string }) {
  return <span class={`badge status-${status.toLowerCase()}`}>{status}</span>;
}

export function ServicesPage() {
  const { data, error } = usePoll<{ services: ServiceSummary[]; storeErrors: StoreError[] }>('/ui/api/services', 3000);
  if (!data) return <p class="muted">{error ?? 'Loading…'}</p>;
  return (
    <section>
      <h2>Services</h2>
      {error && <p class="error">{error}</p>}
      {data.storeErrors.length > 0 && (
        <div class="warn-box">
          <b>{data.storeErrors.length} config files were refused by the store</b> (the manager serves their last good version):
          <ul>{data.storeErrors.map((e, i) => <li key={i}><code>{e.file}:{e.line}</code> {e.path} {e.problem} {e.hint}</li>)}</ul>
        </div>
      )}
      <table>
        <thead><tr><th>Service</th><th>Versions</th><th>Endpoints</th><th>Config</th><th>Validation</th></tr></thead>
        <tbody>
          {data.services.map((s) => (
            <tr key={s.host} data-service={s.name}>
              <td><a href={`#/services/${encodeURIComponent(s.host)}`}>{s.name}</a> <span class="muted">{s.host}</span></td>
              <td>{s.versions.filter(Boolean).join(', ') || '–'}</td>
              <td>{s.endpoints}</td>
              <td>{s.configs}</td>
              <td><Status status={s.status} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function ServicePage({ host }: { host: string }) {
  const { data, error } = usePoll<ServiceDetail>(`/ui/api/services/${encodeURIComponent(host)}`, 3000);
  if (!data) return <p class={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</p>;
  return (
    <section data-service-page={data.name}>
      <h2>{data.name} <Status status={data.status} /></h2>
      <p class="muted">
        {data.host} · ports {data.ports.map((p) => `${p.name} ${p.number} (${p.protocol})`).join(', ')} · versions {data.versions.filter(Boolean).join(', ') || '–'}
      </p>
      {error && <p class="error">{error}</p>}
      <h3>Config that applies</h3>
      {data.config.length === 0 ? (
        <p class="muted">No VirtualService, DestinationRule, PeerAuthentication or AuthorizationPolicy applies: the mesh defaults do (round robin to every version, auto mTLS, PERMISSIVE, allow all).</p>
      ) : (
        <table class="config">
          <thead><tr><th>Kind</th><th>Name</th><th>Applies because</th><th>Validation</th></tr></thead>
          <tbody>
            {data.config.map((c) => (
              <tr key={`${c.kind}/${c.namespace}/${c.name}`} data-config={`${c.kind}/${c.name}`}>
                <td>{c.kind}</td>
                <td>
                  <details>
                    <summary>{c.namespace}/{c.name}</summary>
                    <pre>{JSON.stringify(c.spec, null, 2)}</pre>
                  </details>
                </td>
                <td>{c.reason}</td>
                <td>
                  <Status status={c.status} />
                  {c.messages.map((m, i) => <div key={i} class={m.severity === 'Error' ? 'error' : 'muted'}>{m.code} {m.message}</div>)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Endpoints</h3>
      <table>
        <thead><tr><th>Address</th><th>Version</th><th>Health</th><th>Workload</th></tr></thead>
        <tbody>
          {data.endpointList.map((e) => (
            <tr key={`${e.address}:${e.port}/${e.workload}`}><td>{e.address}:{e.port}</td><td>{e.version || '–'}</td><td>{e.health}</td><td><code>{e.workload}</code></td></tr>
          ))}
        </tbody>
      </table>
      <h3>Proxy sync status</h3>
      <SyncTable proxies={data.proxies} />
    </section>
  );
}
