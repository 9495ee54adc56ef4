import { DEFAULT_CA_DIR, durationMs, keyAlgorithm, startCa, trustDomain } from '../../ca/index.js';
import { Manager } from '../../control/manager.js';
import { startMonitoring } from '../../control/monitoring.js';
import { openStore } from '../../store/index.js';
import { CONFIG_DIR_OPTION, DEFAULT_CONFIG_DIR, EXIT, UsageError, configDir, durationFlag, portFlag, type Command, type Values } from '../command.js';

export const controlPlaneCommand: Command = {
  name: 'control-plane',
  summary: 'Run the manager: config store → xDS for proxies and proxyless gRPC clients',
  usage: 'isthmus control-plane [--config-dir DIR] [--xds-port 15010] [--monitoring-port 15014] [--listen-address 127.0.0.1] [--debounce 100ms] [--ca-dir .isthmus/ca] [--ca-port 15012] [--ca-cert FILE --ca-key FILE] [--ca-key-algorithm ECDSA_P256|RSA_2048|RSA_3072] [--trust-domain cluster.local] [--workload-cert-ttl 24h] [--no-ca]',
  examples: [
    'isthmus control-plane',
    'isthmus control-plane --config-dir ./mesh --xds-port 0 --monitoring-port 0   # free ports, printed at start',
    'curl -s localhost:15014/debug/syncz',
    'isthmus control-plane --ca-dir ./ca --ca-port 0   # the CA on a free port; proxies trust ./ca/root-cert.pem',
    'isthmus control-plane --ca-cert ca-chain.pem --ca-key ca-key.pem   # sign with your intermediate (chain up to the root in the file)',
  ],
  options: {
    ...CONFIG_DIR_OPTION,
    'xds-port': { type: 'string' },
    'monitoring-port': { type: 'string' },
    'listen-address': { type: 'string' },
    debounce: { type: 'string' },
    'ca-dir': { type: 'string' },
    'ca-port': { type: 'string' },
    'ca-cert': { type: 'string' },
    'ca-key': { type: 'string' },
    'ca-key-algorithm': { type: 'string' },
    'trust-domain': { type: 'string' },
    'workload-cert-ttl': { type: 'string' },
    'no-ca': { type: 'boolean' },
  },
  async run(values, _pos, io) {
    const xdsPort = portFlag(values, 'xds-port', 15010);
    const monitoringPort = portFlag(values, 'monitoring-port', 15014);
    const host = (values['listen-address'] as string | undefined) ?? '127.0.0.1';
    const debounceMs = durationFlag(values, 'debounce');
    const caSettings = values['no-ca'] ? undefined : { ...caOptions(values), host, port: portFlag(values, 'ca-port', values['xds-port'] === undefined ? 15012 : 0) };
    const store = await openStore({ backend: 'file', dir: configDir(values) });
    for (const e of store.errors()) io.err(`config: ${e.message}`);
    store.onErrors((errors) => errors.forEach((e) => io.err(`config: ${e.message}`)));
    // istiod-style: the CA lives in the manager process and its bundle is served over SDS. Its
    // port is istiod's 15012, or a free one when the xDS port was chosen (tests, second managers).
    const ca = caSettings && await startCa({ ...caSettings, log: (l) => io.err(l) }).catch(async (e) => {
      await store.close();
      throw e;
    });
    const manager = await Manager.start({ store, xdsHost: host, xdsPort, debounceMs, log: (l) => io.err(l), trustBundle: ca });
    const monitoring = await startMonitoring(manager, store, host, monitoringPort);
    io.out(`xds ${host}:${manager.xdsPort} monitoring http://${host}:${monitoring.port}`);
    if (ca) io.out(`ca ${host}:${ca.port} trust bundle ${caDirOf(values)}/root-cert.pem trust domain ${ca.trustDomain}`);
    io.out('ready');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    monitoring.server.close();
    await manager.close();
    await ca?.close();
    await store.close();
    return EXIT.OK;
  },
};

/**
 * The CA directory: --ca-dir, ISTHMUS_CA_DIR, `.isthmus/ca` beside the default config dir, or
 * `<config-dir>-ca` beside a chosen one, so two managers with their own config never share roots.
 */
function caDirOf(values: Values): string {
  const explicit = (values['ca-dir'] as string | undefined) ?? process.env.ISTHMUS_CA_DIR;
  if (explicit !== undefined) return explicit;
  const config = configDir(values);
  return config === DEFAULT_CONFIG_DIR ? DEFAULT_CA_DIR : `${config.replace(/[/\\]+$/, '')}-ca`;
}

function caOptions(values: Values) {
  try {
    const ttlMs = durationMs('workload-cert-ttl', values['workload-cert-ttl'] as string | undefined, 24 * 3_600_000);
    if (ttlMs < 60_000) throw new Error('--workload-cert-ttl must be at least 1m');
    return {
      caDir: caDirOf(values),
      caCertFile: values['ca-cert'] as string | undefined,
      caKeyFile: values['ca-key'] as string | undefined,
      keyAlgorithm: keyAlgorithm(values['ca-key-algorithm'] as string | undefined),
      trustDomain: trustDomain(values['trust-domain'] as string | undefined),
      workloadCertTtlSeconds: Math.floor(ttlMs / 1000),
    };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
