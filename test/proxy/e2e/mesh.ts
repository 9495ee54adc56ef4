// A whole mesh on loopback for end-to-end tests: the real control plane process on a temporary
// config directory, and real `isthmus proxy` processes that register with it.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../../helpers/eventually.js';
import { freePorts, startIsthmus, type RunningProcess } from '../../helpers/process.js';

export interface Sidecar {
  process: RunningProcess;
  adminPort: number;
  /** HTTP-proxy port (HTTP_PROXY for the app); 0 when off. */
  outboundPort: number;
  inboundPort: number;
  admin(path: string): Promise<Response>;
  /** Waits until /config_dump satisfies `check`. */
  waitForConfig(what: string, check: (dump: string) => boolean): Promise<void>;
  stop(): Promise<number | null>;
}

export interface SidecarOptions {
  service: string;
  namespace?: string;
  labels?: Record<string, string>;
  appPort?: number;
  portName?: string;
  /** Fixed inbound port; a free one otherwise. */
  inboundPort?: number;
  /** 0 turns HTTP-proxy mode off. */
  outboundPort?: number;
  type?: 'sidecar' | 'gateway';
  extraArgs?: string[];
}

export class Mesh {
  private readonly procs: RunningProcess[] = [];
  controlPlane!: RunningProcess;
  xdsPort = 0;
  monitoringPort = 0;

  private constructor(readonly dir: string) {}

  static async start(files: Record<string, string> = {}): Promise<Mesh> {
    const mesh = new Mesh(await mkdtemp(join(tmpdir(), 'isthmus-e2e-')));
    for (const [name, yaml] of Object.entries(files)) await mesh.write(name, yaml);
    await mesh.startControlPlane();
    return mesh;
  }

  async startControlPlane(xdsPort = 0): Promise<void> {
    const cp = startIsthmus(['control-plane', '--config-dir', this.dir, '--xds-port', String(xdsPort), '--monitoring-port', '0', '--debounce', '10ms']);
    this.procs.push(cp);
    const m = await cp.waitForLine(/xds 127\.0\.0\.1:(\d+) monitoring http:\/\/127\.0\.0\.1:(\d+)/);
    await cp.waitForLine(/^ready$/m);
    this.controlPlane = cp;
    this.xdsPort = Number(m[1]);
    this.monitoringPort = Number(m[2]);
  }

  /** Writes a config file atomically, as an editor's save would land. */
  async write(name: string, yaml: string): Promise<void> {
    const tmp = join(this.dir, `.${name}.tmp`);
    await writeFile(tmp, yaml);
    await rename(tmp, join(this.dir, name));
  }

  async remove(name: string): Promise<void> {
    await rm(join(this.dir, name), { force: true });
  }

  async sidecar(o: SidecarOptions): Promise<Sidecar> {
    const [adminPort, inbound, outbound] = (await freePorts(3)) as [number, number, number];
    const inboundPort = o.inboundPort ?? inbound;
    const outboundPort = o.outboundPort ?? outbound;
    const args = [
      'proxy', '--xds', `127.0.0.1:${this.xdsPort}`, '--service', o.service, '--namespace', o.namespace ?? 'default',
      '--admin-port', String(adminPort), '--readiness-port', '0', '--stats-port', '0',
      '--inbound-port', String(inboundPort), '--outbound-port', String(outboundPort), '--drain-duration', '2s',
    ];
    if (o.labels) args.push('--labels', Object.entries(o.labels).map(([k, v]) => `${k}=${v}`).join(','));
    if (o.appPort !== undefined) args.push('--app-port', String(o.appPort));
    if (o.portName) args.push('--port-name', o.portName);
    if (o.type) args.push('--type', o.type);
    args.push(...(o.extraArgs ?? []));
    const p = startIsthmus(args);
    this.procs.push(p);
    await p.waitForLine(/^ready$/m);
    const admin = (path: string) => fetch(`http://127.0.0.1:${adminPort}${path}`);
    return {
      process: p,
      adminPort,
      outboundPort,
      inboundPort,
      admin,
      waitForConfig: async (what, check) => {
        await eventually(what, async () => (check(await (await admin('/config_dump')).text()) ? true : undefined));
      },
      stop: () => p.stop(),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop(3000)));
    await rm(this.dir, { recursive: true, force: true });
    // The manager's CA keeps its root next to the config dir (`<config-dir>-ca`).
    await rm(`${this.dir}-ca`, { recursive: true, force: true });
  }
}
