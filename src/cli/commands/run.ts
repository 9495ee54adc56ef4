// `isthmus run`: any program with a sidecar in front — inbound to its port, outbound through
// HTTP_PROXY — started once the sidecar is ready, and the sidecar stopped once it exits.
import { runWithSidecar } from '../../launcher/index.js';
import { portFlag, UsageError, type Command } from '../command.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'Start a program with a sidecar: inbound to its port, outbound via HTTP_PROXY; exits with its code',
  usage: 'isthmus run --service NAME [--version v1] [--port P] [--namespace default] [--xds 127.0.0.1:15010] [--inbound-port P] [--outbound-port P] -- COMMAND [ARGS…]',
  examples: [
    'isthmus run --service web --port 8000 -- python3 -m http.server 8000',
    'isthmus run --service job -- curl -s http://productpage:9080/api/v1/products/0/reviews',
    'isthmus run --service reviews --version v4 --port 9081 -- node my-reviews.js',
  ],
  options: {
    service: { type: 'string' },
    version: { type: 'string' },
    port: { type: 'string' },
    namespace: { type: 'string' },
    xds: { type: 'string' },
    'inbound-port': { type: 'string' },
    'outbound-port': { type: 'string' },
  },
  async run(values, positionals, io) {
    if (positionals.length === 0) throw new UsageError('give the program after --, e.g. isthmus run --service job -- ./job.sh');
    const service = values.service as string | undefined;
    if (!service) throw new UsageError('--service NAME is required (the mesh service this program is, e.g. reviews)');
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(service)) throw new UsageError(`--service must be a DNS label (lower-case letters, digits, "-"), not "${service}"`);
    const xds = (values.xds as string | undefined) ?? '127.0.0.1:15010';
    if (!/^[^:]+:\d+$/.test(xds)) throw new UsageError(`--xds takes HOST:PORT (the manager's xDS address), not "${xds}"`);
    const opt = (flag: string) => (values[flag] !== undefined ? portFlag(values, flag, 0) : undefined);
    const appPort = opt('port');
    if (appPort === 0) throw new UsageError('--port is the port the program listens on; 0 is not one');
    const inboundPort = opt('inbound-port');
    const outboundPort = opt('outbound-port');
    return runWithSidecar({
      service,
      version: (values.version as string | undefined) ?? 'v1',
      namespace: (values.namespace as string | undefined) ?? 'default',
      xds,
      ...(appPort !== undefined ? { appPort } : {}),
      ...(inboundPort ? { inboundPort } : {}),
      ...(outboundPort ? { outboundPort } : {}),
      program: positionals,
      log: (l) => io.err(l),
    });
  },
};
