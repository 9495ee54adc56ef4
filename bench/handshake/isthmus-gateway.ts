// The Isthmus rows: the real control plane with a Gateway whose HTTPS servers (one per key type,
// each on its own port) carry the bench certificates as files (SIMPLE mode), and one real
// `isthmus proxy --type gateway` that terminates TLS on them. Only the proxy is measured.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ControlPlaneProcess } from '../control-plane/control-plane-process.js';
import { freePort, waitForPort } from '../proxy/ports.js';
import { ServerProcess } from '../proxy/server-process.js';
import type { KeyType, ServerCert } from './keys.js';

const NAMESPACE = 'bench';

export interface IsthmusGateway {
  ports: Map<KeyType, number>;
  pids(): number[];
  stop(): Promise<void>;
}

function config(certs: readonly ServerCert[], ports: Map<KeyType, number>, host: string): string {
  const gateway = {
    apiVersion: 'networking.istio.io/v1', kind: 'Gateway',
    metadata: { name: 'bench-tls', namespace: NAMESPACE },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: certs.map((c, i) => ({
        port: { number: ports.get(c.type), name: `https-${i}`, protocol: 'HTTPS' }, hosts: [host], bind: '127.0.0.1',
        tls: { mode: 'SIMPLE', serverCertificate: c.cert, privateKey: c.key },
      })),
    },
  };
  const serviceEntry = {
    apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry',
    metadata: { name: 'backend', namespace: NAMESPACE },
    spec: { hosts: ['backend.bench'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], endpoints: [{ address: '127.0.0.1' }] },
  };
  const virtualService = {
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService',
    metadata: { name: 'bench-tls', namespace: NAMESPACE },
    spec: { hosts: [host], gateways: ['bench-tls'], http: [{ route: [{ destination: { host: 'backend.bench', port: { number: 80 } } }] }] },
  };
  return [gateway, serviceEntry, virtualService].map((d) => stringify(d)).join('---\n');
}

export async function startIsthmusGateway(repoRoot: string, certs: readonly ServerCert[], host: string): Promise<IsthmusGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'isthmus-bench-handshake-'));
  const ports = new Map<KeyType, number>();
  for (const c of certs) ports.set(c.type, await freePort());
  await mkdir(join(dir, NAMESPACE));
  await writeFile(join(dir, NAMESPACE, 'tls.yaml'), config(certs, ports, host));
  let controlPlane: ControlPlaneProcess | undefined;
  let proxy: ServerProcess | undefined;
  try {
    controlPlane = await ControlPlaneProcess.start({ repoRoot, configDir: dir, readyTimeoutMs: 30_000 });
    if (controlPlane.configErrors.length > 0) throw new Error(`the control plane rejected the bench config:\n${controlPlane.configErrors.join('\n')}`);
    const args = [join(repoRoot, 'bin/isthmus.js'), 'proxy', '--type', 'gateway', '--xds', `127.0.0.1:${controlPlane.xdsPort}`,
      '--service', 'bench-gateway', '--namespace', NAMESPACE, '--labels', 'istio=ingressgateway',
      '--outbound-port', '0', '--inbound-port', '0', '--admin-port', '0', '--readiness-port', '0', '--stats-port', '0',
      '--metrics', 'off', '--access-log', 'off', '--drain-duration', '1s'];
    proxy = await ServerProcess.start('isthmus-gateway', { command: process.execPath, args, cwd: repoRoot, readyLine: /^ready$/, readyTimeoutMs: 20_000 });
    const started = proxy;
    for (const port of ports.values()) await waitForPort(port, 20_000, () => (started.exited ? `the gateway exited:\n${started.output()}` : undefined));
  } catch (err) {
    await proxy?.stop();
    await controlPlane?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const running = proxy;
  const cp = controlPlane;
  return {
    ports,
    pids: () => [running.pid],
    async stop() {
      await running.stop();
      await cp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
