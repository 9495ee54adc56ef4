// The dashboard page: three views picked by the URL hash (#/graph, #/services[/HOST],
// #/proxies), each polling the manager's JSON API, so everything updates without a reload.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { SyncStatus } from '../../control/xds/index.js';
import './app.css';
import { GraphPage } from './graph-view.js';
import { usePoll } from './poll.js';
import { ServicePage, ServicesPage } from './service-pages.js';
import { ProxiesPage } from './sync-table.js';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Proxies() {
  const { data, error } = usePoll<SyncStatus[]>('/ui/api/proxies', 3000);
  return <ProxiesPage proxies={data} error={error} />;
}

function App() {
  const hash = useHash();
  const parts = hash.replace(/^#\/?/, '').split('/');
  const view = parts[0] || 'graph';
  const tab = (name: string, title: string) => <a href={`#/${name}`} class={view === name ? 'active' : ''}>{title}</a>;
  let page;
  if (view === 'services' && parts[1]) page = <ServicePage host={decodeURIComponent(parts[1])} />;
  else if (view === 'services') page = <ServicesPage />;
  else if (view === 'proxies') page = <Proxies />;
  else page = <GraphPage />;
  return (
    <>
      <header>
        <h1>Isthmus</h1>
        <nav>{tab('graph', 'Graph')}{tab('services', 'Services')}{tab('proxies', 'Proxies')}</nav>
      </header>
      <main>{page}</main>
    </>
  );
}

const root = document.getElementById('app')!;
// The page's "Loading…" placeholder goes; preact then owns the element.
root.textContent = '';
render(<App />, root);
