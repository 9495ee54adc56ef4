import { Manager } from '../../control/manager.js';
import { startMonitoring } from '../../control/monitoring.js';
import { openStore } from '../../store/index.js';
import { CONFIG_DIR_OPTION, EXIT, configDir, durationFlag, portFlag, type Command } from '../command.js';

export const controlPlaneCommand: Command = {
  name: 'control-plane',
  summary: 'Run the manager: config store → xDS for proxies and proxyless gRPC clients',
  usage: 'isthmus control-plane [--config-dir DIR] [--xds-port 15010] [--monitoring-port 15014] [--listen-address 127.0.0.1] [--debounce 100ms]',
  examples: [
    'isthmus control-plane',
    'isthmus control-plane --config-dir ./mesh --xds-port 0 --monitoring-port 0   # free ports, printed at start',
    'curl -s localhost:15014/debug/syncz',
  ],
  options: {
    ...CONFIG_DIR_OPTION,
    'xds-port': { type: 'string' },
    'monitoring-port': { type: 'string' },
    'listen-address': { type: 'string' },
    debounce: { type: 'string' },
  },
  async run(values, _pos, io) {
    const xdsPort = portFlag(values, 'xds-port', 15010);
    const monitoringPort = portFlag(values, 'monitoring-port', 15014);
    const host = (values['listen-address'] as string | undefined) ?? '127.0.0.1';
    const debounceMs = durationFlag(values, 'debounce');
    const store = await openStore({ backend: 'file', dir: configDir(values) });
    for (const e of store.errors()) io.err(`config: ${e.message}`);
    store.onErrors((errors) => errors.forEach((e) => io.err(`config: ${e.message}`)));
    const manager = await Manager.start({ store, xdsHost: host, xdsPort, debounceMs, log: (l) => io.err(l) });
    const monitoring = await startMonitoring(manager, store, host, monitoringPort);
    io.out(`xds ${host}:${manager.xdsPort} monitoring http://${host}:${monitoring.port}`);
    io.out('ready');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    monitoring.server.close();
    await manager.close();
    await store.close();
    return EXIT.OK;
  },
};
