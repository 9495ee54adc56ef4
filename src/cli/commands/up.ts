// `isthmus up`: the whole mesh on this machine — manager (with the mesh CA), ingress gateway and
// the Bookinfo demo, each workload with its sidecar and its own identity, talking mutual TLS —
// until Ctrl-C, which drains and stops every process.
import { resolve } from 'node:path';
import { BOOKINFO_WORKLOADS, DEFAULT_BASE_PORT, DEFAULT_GATEWAY_PORT, startMesh, upLayout } from '../../launcher/index.js';
import { EXIT, portFlag, UsageError, type Command } from '../command.js';

export const upCommand: Command = {
  name: 'up',
  summary: 'Run the whole mesh locally: manager with its CA, ingress gateway and the Bookinfo demo with sidecars, all mutual TLS',
  usage: 'isthmus up [--state-dir ./.isthmus] [--gateway-port 8080] [--base-port 15010] [--no-demo]',
  examples: [
    'isthmus up                                   # then open http://127.0.0.1:8080/productpage',
    'isthmus up --gateway-port 9000 --base-port 25010   # when 8080 or 15010… are taken',
    'isthmus up --no-demo                         # the manager and gateway only; add programs with isthmus run',
  ],
  options: {
    'state-dir': { type: 'string' },
    'gateway-port': { type: 'string' },
    'base-port': { type: 'string' },
    'no-demo': { type: 'boolean' },
  },
  async run(values, _pos, io) {
    const gatewayPort = portFlag(values, 'gateway-port', DEFAULT_GATEWAY_PORT);
    const basePort = portFlag(values, 'base-port', DEFAULT_BASE_PORT);
    if (gatewayPort === 0 || basePort === 0) throw new UsageError('--gateway-port and --base-port need real port numbers: the summary prints URLs that must stay the same from run to run');
    try {
      upLayout(basePort, gatewayPort, BOOKINFO_WORKLOADS);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const stateDir = resolve((values['state-dir'] as string | undefined) ?? '.isthmus');
    // Signals that arrive while starting stop the start-up too.
    let interrupted = false;
    const onSignal = () => void (interrupted = true);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const mesh = await startMesh({ stateDir, basePort, gatewayPort, demo: values['no-demo'] !== true, out: (l) => io.out(l) });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!interrupted) {
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
    }
    io.out('stopping: draining every proxy and stopping every process…');
    await mesh.stop();
    io.out('stopped');
    return EXIT.OK;
  },
};
