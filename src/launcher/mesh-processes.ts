// What `isthmus up` starts, as a list: the mesh's own processes, then each workload with its
// sidecar. A part that joins later (the CA, Mixer) is one more entry in meshProcesses.
import { appEnv } from './app-env.js';
import { isthmusCommand, repoFile, type CommandLine } from './isthmus-bin.js';
import type { UpLayout } from './layout.js';
import { ingressGatewayArgs, sidecarArgs } from './proxy-args.js';
import type { StateDir } from './state-dir.js';
import { workloadName, type WorkloadSpec } from './workload.js';

export interface MeshProcess {
  /** Unique; names its log file. */
  name: string;
  /** For the progress lines. */
  title: string;
  cmd: CommandLine;
  env?: NodeJS.ProcessEnv;
  /** Answers 200 once the process is ready. */
  readyUrl: string;
  /** Where to reach it, shown once it is ready. */
  detail: string;
  /** Keep it running until everything else has stopped (the manager serves proxies while they drain). */
  stopLast?: boolean;
}

const local = (port: number, path = '') => `http://127.0.0.1:${port}${path}`;

export function meshProcesses(layout: UpLayout, state: StateDir): MeshProcess[] {
  const xds = `127.0.0.1:${layout.xds}`;
  const gw = layout.gateway;
  return [
    {
      name: 'manager',
      title: 'manager',
      cmd: isthmusCommand(['control-plane', '--config-dir', state.configDir, '--xds-port', String(layout.xds), '--monitoring-port', String(layout.monitoring)]),
      readyUrl: local(layout.monitoring, '/ready'),
      detail: `xDS ${xds}, ${local(layout.monitoring)}`,
      stopLast: true,
    },
    {
      name: 'istio-ingressgateway',
      title: 'ingress gateway',
      cmd: isthmusCommand(ingressGatewayArgs({ xds, adminPort: gw.admin, readinessPort: gw.readiness, statsPort: gw.stats })),
      readyUrl: local(gw.readiness, '/healthz/ready'),
      detail: local(gw.listener),
    },
  ];
}

export function workloadProcesses(layout: UpLayout, workloads: readonly WorkloadSpec[]): MeshProcess[] {
  const xds = `127.0.0.1:${layout.xds}`;
  return workloads.flatMap((w) => {
    const name = workloadName(w);
    const ports = layout.workloads.get(name);
    if (!ports) throw new Error(`no ports laid out for workload ${name}`);
    const [program = 'node', ...args] = w.program;
    const app: MeshProcess = {
      name,
      title: `${w.service} ${w.version} (${program})`,
      cmd: { command: program === 'node' ? process.execPath : program, args: args.map((a) => (a.startsWith('samples/') ? repoFile(a) : a)) },
      env: appEnv(ports.outbound, { PORT: String(ports.app), SERVICE_VERSION: w.version, ...w.env }),
      readyUrl: local(ports.app, w.healthPath ?? '/health'),
      detail: `app ${local(ports.app)}`,
    };
    const sidecar: MeshProcess = {
      name: `${name}-sidecar`,
      title: `${w.service} ${w.version} sidecar`,
      cmd: isthmusCommand(sidecarArgs({
        xds, service: w.service, namespace: 'default', labels: { version: w.version }, serviceAccount: w.serviceAccount,
        appPort: ports.app, inboundPort: ports.inbound, outboundPort: ports.outbound,
        adminPort: ports.admin, readinessPort: ports.readiness, statsPort: ports.stats,
      })),
      readyUrl: local(ports.readiness, '/healthz/ready'),
      detail: `inbound ${local(ports.inbound)}, HTTP proxy :${ports.outbound}`,
    };
    return [app, sidecar];
  });
}
