// `isthmus run`: any program with a sidecar in front — inbound to its port, outbound through
// HTTP_PROXY — started once the sidecar is ready, and the sidecar stopped once it exits. When
// the mesh it joins has a CA (an `isthmus up`'s, or one named by flags) the sidecar gets a
// workload identity and talks mutual TLS like every other.
import { resolveRunMesh, RunMeshError, runWithSidecar } from '../../launcher/index.js';
import { portFlag, UsageError, type Command } from '../command.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'Start a program with a sidecar: inbound to its port, outbound via HTTP_PROXY; exits with its code',
  usage: 'isthmus run --service NAME [--version v1] [--port P] [--namespace default] [--service-account default] [--state-dir ./.isthmus | --xds 127.0.0.1:15010 [--ca-address HOST:PORT --ca-root FILE [--token-file FILE]]] [--inbound-port P] [--outbound-port P] -- COMMAND [ARGS…]',
  examples: [
    'isthmus run --service web --port 8000 -- python3 -m http.server 8000   # joins the isthmus up of ./.isthmus, with mTLS',
    'isthmus run --service job -- curl -s http://productpage:9080/api/v1/products/0/reviews',
    'isthmus run --service reviews --version v4 --port 9081 --service-account bookinfo-reviews -- node my-reviews.js',
    'isthmus run --service job --state-dir /tmp/mesh -- ./job.sh                # the up started with --state-dir /tmp/mesh',
    'isthmus run --service job --xds 127.0.0.1:15010 --ca-address 127.0.0.1:15012 --ca-root ca/root-cert.pem --token-file job.jwt -- ./job.sh',
  ],
  options: {
    service: { type: 'string' },
    version: { type: 'string' },
    port: { type: 'string' },
    namespace: { type: 'string' },
    'service-account': { type: 'string' },
    xds: { type: 'string' },
    'state-dir': { type: 'string' },
    'ca-address': { type: 'string' },
    'ca-root': { type: 'string' },
    'token-file': { type: 'string' },
    'inbound-port': { type: 'string' },
    'outbound-port': { type: 'string' },
  },
  async run(values, positionals, io) {
    if (positionals.length === 0) throw new UsageError('give the program after --, e.g. isthmus run --service job -- ./job.sh');
    const service = values.service as string | undefined;
    if (!service) throw new UsageError('--service NAME is required (the mesh service this program is, e.g. reviews)');
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(service)) throw new UsageError(`--service must be a DNS label (lower-case letters, digits, "-"), not "${service}"`);
    const str = (flag: string) => values[flag] as string | undefined;
    const xdsFlag = str('xds');
    if (xdsFlag !== undefined && !/^[^:]+:\d+$/.test(xdsFlag)) throw new UsageError(`--xds takes HOST:PORT (the manager's xDS address), not "${xdsFlag}"`);
    const caAddress = str('ca-address');
    if (caAddress !== undefined && !/^[^:]+:\d+$/.test(caAddress)) throw new UsageError(`--ca-address takes HOST:PORT (the mesh CA's address), not "${caAddress}"`);
    const namespace = str('namespace') ?? 'default';
    const serviceAccount = str('service-account') ?? 'default';
    if (!/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(serviceAccount)) throw new UsageError(`--service-account must be a DNS name (lower-case letters, digits, "-", "."), not "${serviceAccount}"`);
    let mesh;
    try {
      mesh = await resolveRunMesh({ namespace, serviceAccount, xds: xdsFlag, stateDir: str('state-dir'), caAddress, caRoot: str('ca-root'), tokenFile: str('token-file') });
    } catch (e) {
      if (e instanceof RunMeshError) throw new UsageError(e.message);
      throw e;
    }
    const opt = (flag: string) => (values[flag] !== undefined ? portFlag(values, flag, 0) : undefined);
    const appPort = opt('port');
    if (appPort === 0) throw new UsageError('--port is the port the program listens on; 0 is not one');
    const inboundPort = opt('inbound-port');
    const outboundPort = opt('outbound-port');
    return runWithSidecar({
      service,
      version: (values.version as string | undefined) ?? 'v1',
      namespace,
      serviceAccount,
      xds: mesh.xds,
      ...(mesh.identity ? { identity: mesh.identity } : {}),
      ...(appPort !== undefined ? { appPort } : {}),
      ...(inboundPort ? { inboundPort } : {}),
      ...(outboundPort ? { outboundPort } : {}),
      program: positionals,
      log: (l) => io.err(l),
    });
  },
};
