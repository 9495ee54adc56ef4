// Config and client snippets the end-to-end proxy tests share: ServiceEntries that point a mesh
// host at real loopback backends, and curl's arguments for a sidecar's HTTP-proxy listener.
import { execFile } from 'node:child_process';
import { curl, type CurlResult } from '../../helpers/curl.js';
import { eventually } from '../../helpers/eventually.js';
import type { Sidecar } from './mesh.js';

export interface SeEndpoint {
  /** The backend's real port; mapped from the service port by name. */
  port: number;
  labels?: Record<string, string>;
}

export interface SePort {
  number: number;
  name: string;
  protocol: string;
}

/** A STATIC, MESH_INTERNAL ServiceEntry whose endpoints are 127.0.0.1 backends. */
export function serviceEntry(name: string, host: string, ports: SePort[], endpoints: SeEndpoint[]): string {
  const portLines = ports.map((p) => `  - {number: ${p.number}, name: ${p.name}, protocol: ${p.protocol}}`);
  const epLines = endpoints.map((e) => {
    const mapping = ports.map((p) => `${p.name}: ${e.port}`).join(', ');
    const labels = e.labels ? `, labels: {${Object.entries(e.labels).map(([k, v]) => `${k}: ${v}`).join(', ')}}` : '';
    return `  - {address: 127.0.0.1, ports: {${mapping}}${labels}}`;
  });
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: ServiceEntry',
    `metadata: {name: ${name}, namespace: default}`,
    'spec:',
    `  hosts: [${host}]`,
    '  location: MESH_INTERNAL',
    '  resolution: STATIC',
    '  ports:',
    ...portLines,
    '  endpoints:',
    ...epLines,
    '',
  ].join('\n');
}

/** A DestinationRule with one subset per `version` label value. */
export function versionSubsets(name: string, host: string, versions: string[]): string {
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: DestinationRule',
    `metadata: {name: ${name}, namespace: default}`,
    'spec:',
    `  host: ${host}`,
    '  subsets:',
    ...versions.map((v) => `  - {name: ${v}, labels: {version: ${v}}}`),
    '',
  ].join('\n');
}

/** A hung proxy fails the test instead of hanging it. */
export const MAX_TIME = ['--max-time', '20'];

/** curl through the sidecar's HTTP-proxy listener (HTTP_PROXY mode). */
export function viaProxy(sidecar: Sidecar, url: string, args: string[] = []): Promise<CurlResult> {
  return curl(['-x', `http://127.0.0.1:${sidecar.outboundPort}`, ...MAX_TIME, ...args, url]);
}

/** Mesh hosts tests talk to. */
export const ECHO = 'echo.default.svc.cluster.local';

/** Runs curl once and returns what it printed (for URL globs: many transfers, one process). */
export function curlOutput(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-S', '--max-time', '60', ...args], { env: { PATH: process.env.PATH }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`curl ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * `n` distinct ports free right now on 127.0.0.1, for listeners the config names up front.
 * They are drawn below Linux's ephemeral range (32768+), so no port-0 bind or outgoing
 * connection of a concurrently running test can take one before the proxy binds it.
 */
export { freePorts } from '../../helpers/process.js';

interface ListenerStatus {
  name: string;
  state: string;
  detail?: string;
}

/** Waits until the sidecar has bound the listener (its /listeners view says active). */
export async function waitForListener(sidecar: Sidecar, name: string): Promise<void> {
  let last: ListenerStatus | undefined;
  try {
    await eventually(`listener ${name} active`, async () => {
      const all = (await (await sidecar.admin('/listeners')).json()) as ListenerStatus[];
      last = all.find((l) => l.name === name);
      return last?.state === 'active' ? true : undefined;
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`, { cause: err });
  }
}
