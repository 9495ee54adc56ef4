// Isthmus rows: the real control plane on a temp config dir holding a ServiceEntry for the
// upstream and a Sidecar whose egress listener binds 127.0.0.1:<port> (explicit outbound mode),
// and one `isthmus proxy` per row that takes that listener over xDS. The control plane is shared
// by the rows; only the proxy process is measured.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ControlPlaneProcess } from '../control-plane/control-plane-process.js';
import { freePort } from './ports.js';
import { ServerProcess } from './server-process.js';
import { UnavailableError, type RunningTarget, type Target, type Upstream } from './target.js';

const NAMESPACE = 'bench';
/** Exit code of a command line the CLI rejected (src/cli/command.ts EXIT.USAGE). */
const USAGE_EXIT = 2;

export interface IsthmusVariant {
  name: string;
  /** Proxy flags that make this variant what its name says. */
  args: readonly string[];
  setup: string;
  /** Set while the switch this variant needs does not exist: the report shows it next to the row. */
  pending?: string;
}

/** Where the default-chain rows write their access log: a real file, as a sidecar's would be. */
export const ACCESS_LOG_PATH = join(tmpdir(), 'isthmus-bench-proxy-access.log');

export const NO_FILTERS: IsthmusVariant = {
  name: 'isthmus-no-filters',
  args: ['--metrics', 'off', '--access-log', 'off'],
  setup: 'Isthmus proxy, one process, Istio metrics and access log off (the listener still carries the CORS and fault filters the control plane always emits; with no per-route config they pass requests through)',
};

export const DEFAULT_CHAIN: IsthmusVariant = {
  name: 'isthmus-default',
  args: ['--metrics', 'on', '--access-log', ACCESS_LOG_PATH, '--access-log-format', 'json'],
  setup: 'Isthmus proxy, one process, default sidecar chain: Istio standard metrics + JSON access log to a file',
};

export const CONCURRENCY_2: IsthmusVariant = {
  name: 'isthmus-concurrency-2',
  args: [...DEFAULT_CHAIN.args, '--concurrency', '2'],
  setup: 'as isthmus-default with `--concurrency 2` (a primary plus two worker processes; CPU and RSS summed over all three)',
};

function meshConfig(upstream: Upstream, egressPort: number): string {
  const serviceEntry = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: 'upstream', namespace: NAMESPACE },
    spec: {
      hosts: [upstream.host],
      location: 'MESH_INTERNAL',
      resolution: 'STATIC',
      ports: [{ number: egressPort, name: 'http', protocol: 'HTTP' }],
      endpoints: [{ address: '127.0.0.1', ports: { http: upstream.port } }],
    },
  };
  const sidecar = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name: 'default', namespace: NAMESPACE },
    spec: { egress: [{ port: { number: egressPort, protocol: 'HTTP', name: 'http' }, bind: '127.0.0.1', hosts: ['./*'] }] },
  };
  return `${stringify(serviceEntry)}---\n${stringify(sidecar)}`;
}

/** The control plane and config every Isthmus row shares. */
export class IsthmusMesh {
  private constructor(
    private readonly repoRoot: string,
    private readonly dir: string,
    private readonly controlPlane: ControlPlaneProcess,
    /** The Sidecar egress listener's port: every Isthmus row's proxy binds it (one at a time). */
    readonly egressPort: number,
  ) {}

  static async start(repoRoot: string, upstream: Upstream): Promise<IsthmusMesh> {
    const dir = await mkdtemp(join(tmpdir(), 'isthmus-bench-proxy-'));
    const egressPort = await freePort();
    await mkdir(join(dir, NAMESPACE));
    await writeFile(join(dir, NAMESPACE, 'upstream.yaml'), meshConfig(upstream, egressPort));
    try {
      const controlPlane = await ControlPlaneProcess.start({ repoRoot, configDir: dir, readyTimeoutMs: 30_000 });
      if (controlPlane.configErrors.length > 0) {
        await controlPlane.stop();
        throw new Error(`the control plane rejected the bench config:\n${controlPlane.configErrors.join('\n')}`);
      }
      return new IsthmusMesh(repoRoot, dir, controlPlane, egressPort);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** A row for `variant`; `nodeFlags` (e.g. --cpu-prof) go to the proxy's node. */
  target(variant: IsthmusVariant, nodeFlags: readonly string[] = []): Target {
    return {
      name: variant.name,
      setup: variant.setup,
      start: () => this.startProxy(variant, nodeFlags),
    };
  }

  private async startProxy(variant: IsthmusVariant, nodeFlags: readonly string[]): Promise<RunningTarget> {
    const args = [
      ...nodeFlags, join(this.repoRoot, 'bin/isthmus.js'), 'proxy',
      '--xds', `127.0.0.1:${this.controlPlane.xdsPort}`, '--service', 'bench-client', '--namespace', NAMESPACE,
      '--outbound-port', '0', '--inbound-port', '0', '--admin-port', '0', '--readiness-port', '0', '--stats-port', '0',
      '--drain-duration', '1s', ...variant.args,
    ];
    let proxy: ServerProcess;
    try {
      proxy = await ServerProcess.start(variant.name, { command: process.execPath, args, cwd: this.repoRoot, readyLine: /^ready$/, readyTimeoutMs: 15_000 });
    } catch (err) {
      // A flag this proxy does not have yet: the row says so instead of failing the bench.
      const message = (err as Error).message;
      if (new RegExp(`exited \\(${USAGE_EXIT}\\)`).test(message)) throw new UnavailableError(`the proxy rejected \`${variant.args.join(' ')}\`: ${lastLine(message)}`);
      throw err;
    }
    return { port: this.egressPort, h2Port: this.egressPort, pid: proxy.pid, stop: () => proxy.stop() };
  }

  async stop(): Promise<void> {
    await this.controlPlane.stop();
    await rm(this.dir, { recursive: true, force: true });
    await rm(ACCESS_LOG_PATH, { force: true });
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  return lines[lines.length - 1] ?? text;
}
