// The Envoy v3 message definitions, loaded once into one protobufjs Root, and the encoding of
// XdsResource objects into `google.protobuf.Any`. Encoding is cached per value object so a
// resource generated once and shared by many proxies is serialized once.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';
import { XdsError, ResourceEncodeError } from './errors.js';
import { checkShape } from './resource-shape.js';
import type { TypeUrl, XdsResource } from './resource.js';
import { jsonToStruct, type JsonValue } from './struct.js';

/**
 * The .proto files the mesh encodes, relative to the include paths; their imports come along.
 * Add a file here when translation starts using a new typed_config.
 */
export const XDS_PROTO_FILES: readonly string[] = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'xds/type/v3/typed_struct.proto',
  // Filters and sockets the proxy implements though the manager does not emit them (yet): other
  // control planes may, and the proxy must be able to decode them to run or reject them.
  'envoy/extensions/filters/http/header_mutation/v3/header_mutation.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/compressor/v3/compressor.proto',
  'envoy/extensions/compression/gzip/compressor/v3/gzip.proto',
  'envoy/extensions/compression/brotli/compressor/v3/brotli.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
];

export interface AnyProto {
  type_url: string;
  value: Buffer;
}

let root: protobuf.Root | undefined;

/** Where the Envoy/xds/googleapis/validate trees live (shipped inside @grpc/grpc-js-xds). */
export function xdsIncludeDirs(): string[] {
  const require = createRequire(import.meta.url);
  const xdsPackage = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  const deps = path.join(xdsPackage, 'deps');
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => path.join(deps, dir));
}

/** The shared Root, loaded on first use (about 0.2 s). */
export function xdsRoot(): protobuf.Root {
  if (root) return root;
  const require = createRequire(import.meta.url);
  // descriptor.proto is not in the deps trees; protobufjs carries a copy.
  const includes = [...xdsIncludeDirs(), path.dirname(require.resolve('protobufjs/package.json'))];
  const loaded = new protobuf.Root();
  loaded.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of includes) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  try {
    loaded.loadSync([...XDS_PROTO_FILES], { keepCase: true });
    loaded.resolveAll();
  } catch (err) {
    throw new XdsError('PROTO_LOAD', `cannot load the Envoy protos from ${includes.join(', ')}: ${(err as Error).message}`);
  }
  root = loaded;
  return loaded;
}

/** The message type named by a full name or a type URL. */
export function messageType(nameOrUrl: string): protobuf.Type {
  const name = nameOrUrl.slice(nameOrUrl.lastIndexOf('/') + 1);
  const found = xdsRoot().lookup(name);
  if (!(found instanceof protobuf.Type)) {
    throw new XdsError('INVALID_RESOURCE', `no message type ${name} is loaded (add its .proto to XDS_PROTO_FILES)`);
  }
  return found;
}

/** One resource as it goes on the wire, plus the content hash used as its delta version. */
export interface EncodedResource {
  name: string;
  typeUrl: TypeUrl;
  any: AnyProto;
  /** Content hash of the encoded bytes: equal bytes, equal hash. */
  hash: string;
}

const encoded = new WeakMap<object, EncodedResource>();

/** The field a resource type keeps its own name in, so a mismatch can be caught here. */
const NAME_FIELD: Record<string, string> = {
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': 'cluster_name',
};

/** Encodes (or returns the cached encoding of) a resource. Throws ResourceEncodeError. */
export function encodeResourceCached(r: XdsResource): EncodedResource {
  const cached = encoded.get(r.value);
  if (cached && cached.typeUrl === r.typeUrl && cached.name === r.name) return cached;
  const type = messageType(r.typeUrl);
  const nameField = NAME_FIELD[r.typeUrl] ?? 'name';
  const inner = r.value[nameField];
  if (inner !== undefined && inner !== r.name) {
    throw new ResourceEncodeError(r.name, nameField, `holds "${String(inner)}" but the resource is named "${r.name}"`);
  }
  checkShape(xdsRoot(), type, r.value, r.name);
  let bytes: Buffer;
  try {
    bytes = Buffer.from(type.encode(type.fromObject(r.value)).finish());
  } catch (err) {
    throw new ResourceEncodeError(r.name, '', (err as Error).message);
  }
  const result: EncodedResource = {
    name: r.name,
    typeUrl: r.typeUrl,
    any: { type_url: r.typeUrl, value: bytes },
    hash: createHash('sha256').update(bytes).digest('base64url').slice(0, 16),
  };
  encoded.set(r.value, result);
  return result;
}

/** A resource as a `google.protobuf.Any` ({type_url, value}). Throws ResourceEncodeError. */
export function encodeResource(r: XdsResource): AnyProto {
  return encodeResourceCached(r).any;
}

/**
 * An Any back into plain object form, `{'@type': url, ...fields}`, with nested Anys unpacked
 * the same way and enums as names — the shape Envoy's config_dump shows. For tests and debug.
 */
export function decodeAny(any: { type_url: string; value: Uint8Array }): Record<string, unknown> {
  const type = messageType(any.type_url);
  const message = type.decode(any.value);
  const fields = type.toObject(message, { enums: String, longs: String, bytes: String, json: true });
  return { '@type': any.type_url, ...fields };
}

/** google.protobuf.Duration from milliseconds (seconds and nanos share the sign). */
export function durationProto(ms: number): { seconds: number; nanos: number } {
  const totalNanos = Math.round(ms * 1e6);
  const seconds = Math.trunc(totalNanos / 1e9);
  return { seconds, nanos: totalNanos - seconds * 1e9 };
}

/** google.protobuf.Struct from plain JSON, in the field naming our Root encodes. */
export function structProto(json: Record<string, JsonValue>): { fields: Record<string, Record<string, unknown>> } {
  return jsonToStruct(json);
}
