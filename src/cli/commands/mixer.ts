import { startMixerMonitoring, startMixerServer, MixerRuntime } from '../../mixer/index.js';
import { openStore } from '../../store/index.js';
import { CONFIG_DIR_OPTION, EXIT, configDir, portFlag, type Command } from '../command.js';

export const mixerCommand: Command = {
  name: 'mixer',
  summary: 'Run Mixer: Check (policy, quota) and Report (telemetry) through adapters, configured by handler/instance/rule',
  usage: 'isthmus mixer [--config-dir DIR] [--grpc-port 9091] [--monitoring-port 15014] [--listen-address 127.0.0.1]',
  examples: [
    'isthmus mixer --config-dir ./mesh',
    'isthmus mixer --grpc-port 0 --monitoring-port 0      # free ports, printed at start',
    'curl -s localhost:15014/metrics ; curl -s localhost:15014/debug/configz',
  ],
  options: {
    ...CONFIG_DIR_OPTION,
    'grpc-port': { type: 'string' },
    'monitoring-port': { type: 'string' },
    'listen-address': { type: 'string' },
  },
  async run(values, _pos, io) {
    const grpcPort = portFlag(values, 'grpc-port', 9091);
    const monitoringPort = portFlag(values, 'monitoring-port', 15014);
    const host = (values['listen-address'] as string | undefined) ?? '127.0.0.1';
    const store = await openStore({ backend: 'file', dir: configDir(values) });
    for (const e of store.errors()) io.err(`config: ${e.message}`);
    store.onErrors((errors) => errors.forEach((e) => io.err(`config: ${e.message}`)));
    const runtime = new MixerRuntime({ log: (l) => io.err(l) });
    await runtime.watch(store);
    const server = await startMixerServer(runtime, host, grpcPort);
    const monitoring = await startMixerMonitoring(runtime, host, monitoringPort);
    io.out(`mixer grpc ${host}:${server.port} monitoring http://${host}:${monitoring.port}`);
    io.out('ready');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    await monitoring.close();
    await runtime.close();
    await store.close();
    return EXIT.OK;
  },
};
