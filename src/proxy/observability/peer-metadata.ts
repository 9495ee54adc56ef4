// Istio's HTTP metadata exchange: each proxy tells the other side who it is in two headers,
// `x-envoy-peer-metadata-id` (its node id) and `x-envoy-peer-metadata` (base64 of a serialized
// google.protobuf.Struct holding its node metadata: NAME, NAMESPACE, WORKLOAD_NAME, CLUSTER_ID,
// LABELS, …). The client proxy adds them to the upstream request; the server proxy reads and
// strips them, and answers with its own on the response only when the request carried them
// (so clients outside the mesh never see them); the client proxy reads and strips those too.
// Stats use the peer's facts for the source_*/destination_* labels.
import protobuf from 'protobufjs';
import { structProto } from '../../control/xds/protos.js';
import { structToJson, type JsonValue } from '../../control/xds/struct.js';
import type { Headers } from '../http/stream.js';
import {
  CANONICAL_NAME_LABEL,
  CANONICAL_REVISION_LABEL,
  appOf,
  canonicalRevisionOf,
  canonicalServiceOf,
  versionOf,
  type WorkloadMetadata,
} from './workload.js';

export const PEER_METADATA_HEADER = 'x-envoy-peer-metadata';
export const PEER_METADATA_ID_HEADER = 'x-envoy-peer-metadata-id';

/** A header longer than this is not decoded (a real one is a few hundred bytes). */
const MAX_HEADER_LENGTH = 16 * 1024;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

// Node metadata keys, as Istio's proxy reads and writes them.
const STRING_FIELDS = {
  NAME: 'name',
  NAMESPACE: 'namespace',
  WORKLOAD_NAME: 'workloadName',
  SERVICE_ACCOUNT: 'serviceAccount',
  CLUSTER_ID: 'clusterId',
  MESH_ID: 'meshId',
  OWNER: 'owner',
  ISTIO_VERSION: 'istioVersion',
  APP_CONTAINERS: 'appContainers',
  INSTANCE_IPS: 'instanceIps',
} as const satisfies Record<string, keyof WorkloadMetadata>;

let structType: protobuf.Type | undefined;

/** google.protobuf.Struct from protobufjs's bundled well-known types (no .proto loading). */
function struct(): protobuf.Type {
  structType ??= protobuf.Root.fromJSON(protobuf.common.get('google/protobuf/struct.proto')!).lookupType('google.protobuf.Struct');
  return structType;
}

/** Reads a workload's facts from node metadata in plain JSON form (the proxy's own bootstrap metadata). */
export function workloadFromNodeMetadata(metadata: Record<string, JsonValue>): WorkloadMetadata {
  const out: WorkloadMetadata = { labels: {} };
  for (const [key, field] of Object.entries(STRING_FIELDS)) {
    const value = metadata[key];
    if (typeof value === 'string' && value !== '') out[field] = value;
  }
  const labels = metadata.LABELS;
  if (labels && typeof labels === 'object' && !Array.isArray(labels)) {
    for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out.labels[k] = v;
  }
  return out;
}

/**
 * The header value for a workload: base64 of the Struct with sorted keys (Istio serializes
 * deterministically, so equal facts give an equal header). LABELS carries the canonical
 * service/revision, app and version (filled in the way the injector would when missing), plus
 * any label named in `additionalLabels`.
 */
export function encodePeerMetadata(w: WorkloadMetadata, additionalLabels: readonly string[] = []): string {
  const json: Record<string, JsonValue> = {};
  for (const [key, field] of Object.entries(STRING_FIELDS)) {
    const value = w[field];
    if (value) json[key] = value;
  }
  const labels: Record<string, string> = {};
  const canonical = canonicalServiceOf(w);
  if (canonical) labels[CANONICAL_NAME_LABEL] = canonical;
  labels[CANONICAL_REVISION_LABEL] = canonicalRevisionOf(w);
  const app = appOf(w);
  if (app) labels.app = app;
  const version = versionOf(w);
  if (version) labels.version = version;
  for (const name of additionalLabels) {
    const value = w.labels[name];
    if (value !== undefined) labels[name] = value;
  }
  json.LABELS = sortKeys(labels);
  const type = struct();
  const bytes = type.encode(type.fromObject(structProto(sortKeys(json)))).finish();
  return Buffer.from(bytes).toString('base64');
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

/** A peer's header value back into facts; undefined for anything that is not a metadata Struct. Never throws. */
export function decodePeerMetadata(value: string): WorkloadMetadata | undefined {
  if (value === '' || value.length > MAX_HEADER_LENGTH || !BASE64.test(value)) return undefined;
  let json: Record<string, JsonValue>;
  try {
    const type = struct();
    const message = type.decode(Buffer.from(value, 'base64'));
    json = structToJson(type.toObject(message, { defaults: false }));
  } catch {
    return undefined;
  }
  const known = Object.keys(STRING_FIELDS).some((k) => k in json) || 'LABELS' in json;
  if (!known) return undefined;
  const w = workloadFromNodeMetadata(json);
  Object.freeze(w.labels);
  return Object.freeze(w);
}

function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Removes both exchange headers so they never reach the application. */
export function stripPeerMetadataHeaders(headers: Headers): void {
  delete headers[PEER_METADATA_HEADER];
  delete headers[PEER_METADATA_ID_HEADER];
}

/** Whether the other side took part in the exchange (it sent either header). */
export function hasPeerMetadataHeaders(headers: Headers): boolean {
  return headers[PEER_METADATA_HEADER] !== undefined || headers[PEER_METADATA_ID_HEADER] !== undefined;
}

export interface MetadataExchangeOptions {
  /** Our node id, sent as x-envoy-peer-metadata-id. */
  nodeId: string;
  /** Our workload's facts. */
  local: WorkloadMetadata;
  /** Pod labels to send beyond the canonical ones. */
  additionalLabels?: readonly string[];
  /** Decoded peers kept by header value (default 1000). */
  cacheSize?: number;
}

/**
 * One proxy's side of the exchange: our headers computed once, peers' headers decoded once per
 * distinct value (a mesh has few distinct peers, and each sends the same bytes every time).
 *
 * Wiring: outbound — `inject` the upstream request, `extract` the upstream response.
 * Inbound — `extract` the downstream request (remember `hasPeerMetadataHeaders` first), and
 * `inject` the response only when the request had them.
 */
export class MetadataExchange {
  readonly id: string;
  readonly value: string;
  private readonly cache = new Map<string, WorkloadMetadata | null>();
  private readonly cacheSize: number;

  constructor(options: MetadataExchangeOptions) {
    this.id = options.nodeId;
    this.value = encodePeerMetadata(options.local, options.additionalLabels);
    this.cacheSize = Math.max(1, options.cacheSize ?? 1000);
  }

  /** Adds our two headers. */
  inject(headers: Headers): void {
    headers[PEER_METADATA_ID_HEADER] = this.id;
    headers[PEER_METADATA_HEADER] = this.value;
  }

  /** Reads the peer's facts and strips both headers. Undefined when absent or undecodable. */
  extract(headers: Headers): WorkloadMetadata | undefined {
    const value = firstValue(headers[PEER_METADATA_HEADER]);
    stripPeerMetadataHeaders(headers);
    return value === undefined ? undefined : this.decode(value);
  }

  /** decodePeerMetadata with a cache keyed by the header value. */
  decode(value: string): WorkloadMetadata | undefined {
    const hit = this.cache.get(value);
    if (hit !== undefined) return hit ?? undefined;
    const decoded = decodePeerMetadata(value);
    if (this.cache.size >= this.cacheSize) {
      // Drop the oldest quarter (insertion order) rather than tracking recency on every hit.
      let drop = Math.max(1, Math.floor(this.cacheSize / 4));
      for (const key of this.cache.keys()) {
        this.cache.delete(key);
        if (--drop === 0) break;
      }
    }
    this.cache.set(value, decoded ?? null);
    return decoded;
  }
}
