// Reads who a client is from the xDS `Node` it sends first: the Istio-style id
// `TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local`, the metadata Istio's agent and gRPC
// bootstrap put there, and the locality.

import { isIP } from 'node:net';
import type { Locality, ProxyNode, ProxyType } from '../model/proxy.js';
import type { NodeProto } from './ads-service.js';
import { InvalidNodeError } from './errors.js';
import { structToJson, type JsonValue } from './struct.js';

const ID_TYPES: Record<string, ProxyType> = { sidecar: 'sidecar', router: 'router' };
const ID_FORMAT = 'TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local, e.g. sidecar~10.0.0.1~reviews-v1.default~default.svc.cluster.local';

export function parseNode(node: NodeProto | null | undefined): ProxyNode {
  if (!node || typeof node.id !== 'string' || node.id === '') {
    throw new InvalidNodeError('id', `missing; the first request on a stream must carry a node id (${ID_FORMAT})`);
  }
  const id = node.id;
  const parts = id.split('~');
  if (parts.length !== 4) {
    throw new InvalidNodeError('id', `"${id}" has ${parts.length} "~"-separated fields, expected 4 (${ID_FORMAT})`);
  }
  const [idType, idIp, , domain] = parts as [string, string, string, string];
  const idProxyType = ID_TYPES[idType];
  if (!idProxyType) {
    throw new InvalidNodeError('id', `"${id}" starts with "${idType}"; use "sidecar" or "router"`);
  }
  if (isIP(idIp) === 0) {
    throw new InvalidNodeError('id', `"${id}" has "${idIp}" where the proxy's IP address goes`);
  }

  const metadata = structToJson(node.metadata);
  const generator = optionalString(metadata, 'GENERATOR');
  const type: ProxyType = generator === 'grpc' ? 'proxyless' : idProxyType;
  const namespace = optionalString(metadata, 'NAMESPACE') || domain.split('.')[0] || 'default';
  const ips = instanceIps(metadata) ?? [idIp];

  const proxy: ProxyNode = { id, type, namespace, labels: labels(metadata), ips, metadata };
  const serviceAccount = optionalString(metadata, 'SERVICE_ACCOUNT');
  if (serviceAccount) proxy.serviceAccount = serviceAccount;
  const locality = readLocality(node.locality);
  if (locality) proxy.locality = locality;
  const service = optionalString(metadata, 'ISTHMUS_SERVICE');
  if (service) proxy.registration = { service, ports: ports(metadata.ISTHMUS_PORTS), address: ips[0] ?? idIp };
  const httpProxyPort = httpProxyPortOf(metadata);
  if (httpProxyPort !== undefined) proxy.httpProxyPort = httpProxyPort;
  return proxy;
}

/**
 * The HTTP-proxy-mode port this proxy asks for: Istio's per-sidecar HTTP_PROXY_PORT (a string,
 * set from ISTIO_META_HTTP_PROXY_PORT), or PROXY_CONFIG.proxyHttpPort (the ProxyConfig the agent
 * sends). A number or a numeric string; "" is unset; 0 turns the listener off.
 */
function httpProxyPortOf(metadata: Record<string, JsonValue>): number | undefined {
  const direct = portValue('metadata.HTTP_PROXY_PORT', metadata.HTTP_PROXY_PORT);
  const config = metadata.PROXY_CONFIG;
  if (config !== undefined && config !== null && (typeof config !== 'object' || Array.isArray(config))) {
    throw new InvalidNodeError('metadata.PROXY_CONFIG', `expected the proxy's ProxyConfig as a map of fields, got ${JSON.stringify(config)}`);
  }
  const fromConfig = config ? portValue('metadata.PROXY_CONFIG.proxyHttpPort', config.proxyHttpPort) : undefined;
  if (direct !== undefined && fromConfig !== undefined && direct !== fromConfig) {
    throw new InvalidNodeError('metadata.HTTP_PROXY_PORT', `${direct} disagrees with PROXY_CONFIG.proxyHttpPort ${fromConfig}; set one of them`);
  }
  return direct ?? fromConfig;
}

function portValue(field: string, value: JsonValue | undefined): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 65535) {
    throw new InvalidNodeError(field, `${JSON.stringify(value)} is not a port (write a number from 1 to 65535, e.g. 15001, or 0 for no HTTP-proxy listener)`);
  }
  return number;
}

function optionalString(metadata: Record<string, JsonValue>, key: string): string | undefined {
  const value = metadata[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new InvalidNodeError(`metadata.${key}`, `expected a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function labels(metadata: Record<string, JsonValue>): Record<string, string> {
  const value = metadata.LABELS;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidNodeError('metadata.LABELS', `expected a map of label names to strings, got ${JSON.stringify(value)}`);
  }
  const out: Record<string, string> = {};
  for (const [key, label] of Object.entries(value)) {
    if (typeof label !== 'string') {
      throw new InvalidNodeError(`metadata.LABELS.${key}`, `expected a string, got ${JSON.stringify(label)}`);
    }
    out[key] = label;
  }
  return out;
}

function instanceIps(metadata: Record<string, JsonValue>): string[] | undefined {
  const raw = optionalString(metadata, 'INSTANCE_IPS');
  if (raw === undefined) return undefined;
  const ips = raw.split(',').map((ip) => ip.trim()).filter((ip) => ip !== '');
  for (const ip of ips) {
    if (isIP(ip) === 0) throw new InvalidNodeError('metadata.INSTANCE_IPS', `"${ip}" is not an IP address (write a comma-separated list of IPs)`);
  }
  return ips.length > 0 ? ips : undefined;
}

/** ISTHMUS_PORTS as a map `{"http": 8080}`, its JSON text, or `http:8080,grpc:9090`. */
function ports(value: JsonValue | undefined): Record<string, number> {
  const field = 'metadata.ISTHMUS_PORTS';
  if (value === undefined || value === null || value === '') return {};
  let entries: [string, unknown][];
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new InvalidNodeError(field, `"${text}" is not valid JSON`);
      }
      entries = Object.entries(parsed as Record<string, unknown>);
    } else {
      entries = text.split(',').map((pair) => {
        const [name = '', port = ''] = pair.split(':').map((s) => s.trim());
        return [name, /^\d+$/.test(port) ? Number(port) : port];
      });
    }
  } else if (typeof value === 'object' && !Array.isArray(value)) {
    entries = Object.entries(value);
  } else {
    throw new InvalidNodeError(field, `expected a map of port names to numbers, got ${JSON.stringify(value)}`);
  }
  const out: Record<string, number> = {};
  for (const [name, port] of entries) {
    const number = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
    if (name === '' || typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 65535) {
      throw new InvalidNodeError(field, `entry ${JSON.stringify(name)}: ${JSON.stringify(port)} is not a port (write e.g. {"http": 8080} or "http:8080")`);
    }
    out[name] = number;
  }
  return out;
}

function readLocality(locality: NodeProto['locality']): Locality | undefined {
  if (!locality) return undefined;
  const out: Locality = {};
  if (locality.region) out.region = locality.region;
  if (locality.zone) out.zone = locality.zone;
  if (locality.sub_zone) out.subZone = locality.sub_zone;
  return Object.keys(out).length > 0 ? out : undefined;
}
