// `isthmus proxy`: the sidecar or gateway data plane. It registers its workload with the
// manager through xDS node metadata (service, ports, labels, service account), takes all its
// listeners and clusters over xDS, serves the admin, readiness and stats ports, and drains on
// SIGTERM: stop accepting, finish what is in flight, exit. With --ca-address it also has a
// workload identity: a SPIFFE certificate from the mesh CA, kept in memory and renewed, which
// ISTIO_MUTUAL TLS contexts (SDS names `default` and `ROOTCA`) use.
// This file only reads and checks the flags; the proxy itself (gRPC, the Envoy protos, the HTTP
// stack) loads from proxy-run.ts once they are good, with V8's young generation held small meanwhile
// (proxy/runtime/young-generation.ts) — together most of what keeps an idle sidecar's RSS down.
import { IdentityFlagError, readIdentityFlags, type IdentitySettings } from '../../proxy/identity/flags.js';
import type { ObservabilityOptions } from '../../proxy/observability/mesh-observer.js';
import type { ProxyIdentity } from '../../proxy/runtime/node.js';
import { holdYoungGeneration } from '../../proxy/runtime/young-generation.js';
import { XDS_MODES, type XdsMode } from '../../proxy/xds-client/mode.js';
import { UsageError, countFlag, durationFlag, oneOfFlag, portFlag, type Command, type Values } from '../command.js';
import type { ProxySettings } from './proxy-run.js';

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'Run a sidecar or gateway proxy configured over xDS by the control plane',
  usage: 'isthmus proxy --xds HOST:PORT [--xds-mode sotw|delta] --service NAME [--namespace default] [--labels k=v,…] [--service-account SA] [--app-port P] [--port-name http] [--inbound-port 15006] [--outbound-port 15001] [--admin-port 15000] [--readiness-port 15021] [--stats-port 15090] [--ip 127.0.0.1] [--type sidecar|gateway] [--concurrency 1] [--drain-duration 5s] [--access-log PATH|/dev/stdout] [--access-log-format text|json] [--metrics on|off] [--zipkin URL | --otlp URL] [--trace-sampling 1] [--ca-address HOST:PORT --ca-root FILE [--token-file FILE] [--trust-domain cluster.local] [--cert-ttl 24h] [--renew-fraction 0.5] [--private-key-provider file|pkcs11]]',
  examples: [
    'isthmus proxy --xds 127.0.0.1:15010 --service reviews --labels version=v1 --app-port 9080 --inbound-port 19080',
    'HTTP_PROXY=http://127.0.0.1:15001 curl http://reviews.default.svc.cluster.local:9080/',
    'isthmus proxy --xds 127.0.0.1:15010 --service ingressgateway --type gateway --labels istio=ingressgateway --outbound-port 0',
    'isthmus proxy --xds 127.0.0.1:15010 --service reviews --service-account reviews --app-port 9080 --inbound-port 19080 --ca-address 127.0.0.1:15012 --ca-root ca/root-cert.pem --token-file reviews.jwt',
  ],
  options: {
    xds: { type: 'string' },
    'xds-mode': { type: 'string' },
    service: { type: 'string' },
    namespace: { type: 'string' },
    labels: { type: 'string' },
    'service-account': { type: 'string' },
    'app-port': { type: 'string' },
    'port-name': { type: 'string' },
    'inbound-port': { type: 'string' },
    'outbound-port': { type: 'string' },
    'admin-port': { type: 'string' },
    'readiness-port': { type: 'string' },
    'stats-port': { type: 'string' },
    ip: { type: 'string' },
    type: { type: 'string' },
    locality: { type: 'string' },
    'drain-duration': { type: 'string' },
    concurrency: { type: 'string' },
    'access-log': { type: 'string' },
    'access-log-format': { type: 'string' },
    metrics: { type: 'string' },
    zipkin: { type: 'string' },
    otlp: { type: 'string' },
    'trace-sampling': { type: 'string' },
    'ca-address': { type: 'string' },
    'ca-root': { type: 'string' },
    'token-file': { type: 'string' },
    'trust-domain': { type: 'string' },
    'cert-ttl': { type: 'string' },
    'renew-fraction': { type: 'string' },
    'private-key-provider': { type: 'string' },
  },
  async run(values, _pos, io) {
    const xds = values.xds as string | undefined;
    if (!xds || !/^[^:]+:\d+$/.test(xds)) throw new UsageError('--xds HOST:PORT is required (the control plane\'s xDS address, e.g. 127.0.0.1:15010)');
    // State-of-the-world ADS, or incremental (DeltaAggregatedResources) as Envoy can speak it.
    const xdsMode = oneOfFlag(values, 'xds-mode', XDS_MODES, 'sotw') as XdsMode;
    const service = values.service as string | undefined;
    if (!service) throw new UsageError('--service NAME is required (the workload\'s service, e.g. reviews)');
    const type = oneOfFlag(values, 'type', ['sidecar', 'gateway'], 'sidecar') as 'sidecar' | 'gateway';
    const namespace = (values.namespace as string | undefined) ?? 'default';
    const mesh = identityFlags(values, namespace);
    const labels = labelsFlag(values.labels as string | undefined);
    // Istio's injector labels sidecars so; the manager sends ISTIO_MUTUAL (auto mTLS) only to them.
    if (mesh) labels['security.istio.io/tlsMode'] = 'istio';
    const serviceAccount = (values['service-account'] as string | undefined) ?? (mesh ? mesh.identity.serviceAccount : undefined);
    const identity: ProxyIdentity = {
      type,
      service,
      namespace,
      labels,
      ...(serviceAccount ? { serviceAccount } : {}),
      ip: (values.ip as string | undefined) ?? '127.0.0.1',
      portName: (values['port-name'] as string | undefined) ?? 'http',
      inboundPort: portFlag(values, 'inbound-port', 15006),
      ...(values['app-port'] !== undefined ? { appPort: portFlag(values, 'app-port', 0) } : {}),
      outboundPort: portFlag(values, 'outbound-port', type === 'gateway' ? 0 : 15001),
      ...(values.locality ? { locality: values.locality as string } : {}),
    };
    const adminPort = portFlag(values, 'admin-port', 15000);
    const readinessPort = portFlag(values, 'readiness-port', 15021);
    const statsPort = portFlag(values, 'stats-port', 15090);
    const drainMs = durationFlag(values, 'drain-duration') ?? 5000;

    const concurrency = countFlag(values, 'concurrency', 1, 1, 64);
    const settings: ProxySettings = {
      xds, xdsMode, type, identity, mesh, adminPort, readinessPort, statsPort, drainMs, concurrency,
      observability: observabilityFlags(values),
    };
    const release = holdYoungGeneration();
    const { runProxy } = await import('./proxy-run.js');
    return runProxy(settings, io, release);
  },
};

/** --ca-address and friends; the service account defaults to Kubernetes' `default`. */
function identityFlags(values: Values, namespace: string): IdentitySettings | undefined {
  try {
    return readIdentityFlags(values, { namespace, serviceAccount: (values['service-account'] as string | undefined) ?? 'default' });
  } catch (err) {
    if (err instanceof IdentityFlagError) throw new UsageError(err.message);
    throw err;
  }
}

function observabilityFlags(values: Values): Omit<ObservabilityOptions, 'node' | 'log'> {
  const metrics = oneOfFlag(values, 'metrics', ['on', 'off'], 'on') === 'on';
  const encoding = oneOfFlag(values, 'access-log-format', ['text', 'json'], 'text').toUpperCase() as 'TEXT' | 'JSON';
  const out: Omit<ObservabilityOptions, 'node' | 'log'> = { metrics, accessLogEncoding: encoding };
  const file = values['access-log'] as string | undefined;
  if (file && file !== 'off') out.accessLogFile = file;
  const zipkin = values.zipkin as string | undefined;
  const otlp = values.otlp as string | undefined;
  if (zipkin && otlp) throw new UsageError('--zipkin and --otlp are alternatives; give one');
  const sampling = Number((values['trace-sampling'] as string | undefined) ?? 1);
  if (!(sampling >= 0 && sampling <= 100)) throw new UsageError(`--trace-sampling is a percentage 0–100, not "${String(values['trace-sampling'])}"`);
  if (zipkin || otlp) out.tracing = { format: zipkin ? 'zipkin' : 'otlp', endpoint: (zipkin ?? otlp)!, samplingPercent: sampling };
  return out;
}

function labelsFlag(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const pair of raw.split(',')) {
    const [k, v] = pair.split('=');
    if (!k || v === undefined || !/^[A-Za-z0-9._/-]+$/.test(k)) throw new UsageError(`--labels takes k=v pairs separated by commas, not "${pair}"`);
    out[k.trim()] = v.trim();
  }
  return out;
}

