// What `isthmus up` starts, as lists: first what needs no identity (the manager, the programs),
// then the proxies. A part that joins later (Mixer) is one more entry in plainProcesses. The CA
// runs in the manager; every proxy gets a workload identity from it, its bootstrap token in its
// own environment only: neither the application beside it nor any file sees the token.
import { appEnv } from './app-env.js';
import { isthmusCommand, repoFile, type CommandLine } from './isthmus-bin.js';
import type { SidecarPorts, UpLayout } from './layout.js';
import type { MeshIdentities } from './mesh-ca.js';
import { GATEWAY_NAMESPACE, GATEWAY_SERVICE_ACCOUNT, ingressGatewayArgs, sidecarArgs } from './proxy-args.js';
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
  /** The SPIFFE id of a proxy that gets a workload certificate. */
  identity?: string;
  /** Keep it running until everything else has stopped (the manager serves proxies while they drain). */
  stopLast?: boolean;
}

const local = (port: number, path = '') => `http://127.0.0.1:${port}${path}`;

/** Kubernetes' service account for a pod that names none. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const WORKLOAD_NAMESPACE = 'default';

/** The identities `up` runs proxies as: the gateway's, then each workload's. */
export function proxyIdentities(workloads: readonly WorkloadSpec[]): { namespace: string; serviceAccount: string }[] {
  return [
    { namespace: GATEWAY_NAMESPACE, serviceAccount: GATEWAY_SERVICE_ACCOUNT },
    ...workloads.map((w) => ({ namespace: WORKLOAD_NAMESPACE, serviceAccount: w.serviceAccount ?? DEFAULT_SERVICE_ACCOUNT })),
  ];
}

/**
 * What needs no identity and starts at once: the manager (it runs the CA) and the applications
 * (a program never sees the mesh's certificates or tokens).
 */
export function plainProcesses(layout: UpLayout, state: StateDir, workloads: readonly WorkloadSpec[]): MeshProcess[] {
  const manager: MeshProcess = {
    name: 'manager',
    title: 'manager',
    cmd: isthmusCommand([
      'control-plane', '--config-dir', state.configDir, '--xds-port', String(layout.xds), '--monitoring-port', String(layout.monitoring),
      '--ca-dir', state.caDir, '--ca-port', String(layout.ca),
    ]),
    readyUrl: local(layout.monitoring, '/ready'),
    detail: `xDS 127.0.0.1:${layout.xds}, CA 127.0.0.1:${layout.ca}, ${local(layout.monitoring)}`,
    stopLast: true,
  };
  return [manager, ...workloads.map((w): MeshProcess => {
    const ports = portsOf(layout, w);
    const [program = 'node', ...args] = w.program;
    return {
      name: workloadName(w),
      title: `${w.service} ${w.version} (${program})`,
      cmd: { command: program === 'node' ? process.execPath : program, args: args.map((a) => (a.startsWith('samples/') ? repoFile(a) : a)) },
      env: appEnv(ports.outbound, { PORT: String(ports.app), SERVICE_VERSION: w.version, ...w.env }),
      readyUrl: local(ports.app, w.healthPath ?? '/health'),
      detail: `app ${local(ports.app)}`,
    };
  })];
}

/** The proxies, each with its workload identity: the ingress gateway, then one sidecar per workload. */
export function proxyProcesses(layout: UpLayout, workloads: readonly WorkloadSpec[], ids: MeshIdentities): MeshProcess[] {
  const xds = `127.0.0.1:${layout.xds}`;
  const gw = layout.gateway;
  const gateway: MeshProcess = {
    name: 'istio-ingressgateway',
    title: 'ingress gateway',
    cmd: isthmusCommand(ingressGatewayArgs({ xds, adminPort: gw.admin, readinessPort: gw.readiness, statsPort: gw.stats, identity: ids.flags })),
    env: ids.envFor(GATEWAY_NAMESPACE, GATEWAY_SERVICE_ACCOUNT),
    identity: ids.ca.spiffeId(GATEWAY_NAMESPACE, GATEWAY_SERVICE_ACCOUNT),
    readyUrl: local(gw.readiness, '/healthz/ready'),
    detail: `${local(gw.listener)}, identity sa/${GATEWAY_SERVICE_ACCOUNT}`,
  };
  return [gateway, ...workloads.map((w): MeshProcess => {
    const ports = portsOf(layout, w);
    const serviceAccount = w.serviceAccount ?? DEFAULT_SERVICE_ACCOUNT;
    return {
      name: `${workloadName(w)}-sidecar`,
      title: `${w.service} ${w.version} sidecar`,
      cmd: isthmusCommand(sidecarArgs({
        xds, service: w.service, namespace: WORKLOAD_NAMESPACE, labels: { version: w.version }, serviceAccount,
        appPort: ports.app, inboundPort: ports.inbound, outboundPort: ports.outbound,
        adminPort: ports.admin, readinessPort: ports.readiness, statsPort: ports.stats, identity: ids.flags,
      })),
      env: ids.envFor(WORKLOAD_NAMESPACE, serviceAccount),
      identity: ids.ca.spiffeId(WORKLOAD_NAMESPACE, serviceAccount),
      readyUrl: local(ports.readiness, '/healthz/ready'),
      detail: `inbound ${local(ports.inbound)}, HTTP proxy :${ports.outbound}, identity sa/${serviceAccount}`,
    };
  })];
}

function portsOf(layout: UpLayout, w: WorkloadSpec): SidecarPorts {
  const ports = layout.workloads.get(workloadName(w));
  if (!ports) throw new Error(`no ports laid out for workload ${workloadName(w)}`);
  return ports;
}
