// Test helper: checks translation output against the real Envoy .proto files (every field name
// and enum value must exist — protobufjs's fromObject would silently drop a misspelt field),
// encodes it, and runs @grpc/grpc-js-xds's own resource validation on the bytes.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { XDS_PROTO_FILES } from '../../../src/control/xds/protos.js';
import type { XdsResource } from '../../../src/control/xds/resource.js';

const require = createRequire(import.meta.url);

interface PbField { name: string; repeated: boolean; map: boolean; resolvedType: PbType | PbEnum | null; resolve(): PbField }
interface PbType { fullName: string; fields: Record<string, PbField>; fieldsArray: PbField[]; lookup(n: string): PbType | null; fromObject(o: unknown): unknown; encode(m: unknown): { finish(): Uint8Array } }
interface PbEnum { values: Record<string, number> }

// The package's top-level module registers the google/protobuf well-known files first.
require('@grpc/proto-loader');
const { loadProtosWithOptionsSync } = require('@grpc/proto-loader/build/src/util') as {
  loadProtosWithOptionsSync(files: string[], opts: Record<string, unknown>): { lookupType(n: string): PbType; lookup(n: string): PbType | null };
};

const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const root = loadProtosWithOptionsSync([...XDS_PROTO_FILES], {
  keepCase: true,
  includeDirs: [join(deps, 'envoy-api'), join(deps, 'xds'), join(deps, 'googleapis'), join(deps, 'protoc-gen-validate')].map((d) => `${d}/`),
});

function typeOfUrl(url: string): PbType {
  return root.lookupType(url.slice(url.lastIndexOf('/') + 1));
}

/** Throws naming the path of the first field or enum value the proto does not have. */
export function assertKnownFields(type: PbType, value: unknown, path = type.fullName): void {
  if (type.fullName === '.google.protobuf.Any') {
    const v = value as Record<string, unknown>;
    if (typeof v['@type'] !== 'string') throw new Error(`${path}: Any without @type`);
    const inner = typeOfUrl(v['@type']);
    const rest = { ...v };
    delete rest['@type'];
    assertKnownFields(inner, rest, `${path}<${inner.fullName}>`);
    return;
  }
  if (/^\.google\.protobuf\.(Duration|Struct|Value)$/.test(type.fullName)) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${path}: expected a message, got ${JSON.stringify(value)}`);
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const field = type.fields[key];
    if (!field) throw new Error(`${path}.${key}: no such field in ${type.fullName}`);
    field.resolve();
    const check = (item: unknown, p: string) => {
      const t = field.resolvedType;
      if (t && 'fields' in t) assertKnownFields(t, item, p);
      else if (t && 'values' in t && typeof item === 'string' && !(item in t.values)) throw new Error(`${p}: "${item}" is not a value of the enum`);
    };
    if (field.map) for (const [k, item] of Object.entries(v as Record<string, unknown>)) check(item, `${path}.${key}[${k}]`);
    else if (field.repeated) {
      if (!Array.isArray(v)) throw new Error(`${path}.${key}: expected a list`);
      v.forEach((item, i) => check(item, `${path}.${key}[${i}]`));
    } else check(v, `${path}.${key}`);
  }
}

export function encodeResource(r: XdsResource): Buffer {
  const type = typeOfUrl(r.typeUrl);
  assertKnownFields(type, r.value);
  return Buffer.from(type.encode(type.fromObject(r.value)).finish());
}

// grpc-js-xds's resource types, loaded the way the client itself uses them.
const xds = require('@grpc/grpc-js-xds') as { register(): void };
xds.register();
const base = '@grpc/grpc-js-xds/build/src/xds-resource-type/';
type Decoder = { get(): { decode(ctx: unknown, r: { type_url: string; value: Buffer }): { name: string; value?: unknown; error?: string } } };
const DECODERS: Record<string, Decoder> = {
  'type.googleapis.com/envoy.config.listener.v3.Listener': (require(`${base}listener-resource-type.js`) as { ListenerResourceType: Decoder }).ListenerResourceType,
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': (require(`${base}route-config-resource-type.js`) as { RouteConfigurationResourceType: Decoder }).RouteConfigurationResourceType,
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': (require(`${base}cluster-resource-type.js`) as { ClusterResourceType: Decoder }).ClusterResourceType,
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': (require(`${base}endpoint-resource-type.js`) as { EndpointResourceType: Decoder }).EndpointResourceType,
};

const CONTEXT = { bootstrap: { certificateProviders: { default: { plugin_name: 'file_watcher', config: {} } } }, server: {} };

/** Decodes as a gRPC client would; returns its error text, or undefined when it accepts. */
export function grpcRejection(r: XdsResource): string | undefined {
  const decoder = DECODERS[r.typeUrl];
  if (!decoder) throw new Error(`no gRPC decoder for ${r.typeUrl}`);
  const out = decoder.get().decode(CONTEXT, { type_url: r.typeUrl, value: encodeResource(r) });
  if (out.error) return out.error;
  if (out.name !== r.name) return `name mismatch: ${out.name} vs ${r.name}`;
  return undefined;
}

/** The gRPC client's decoded (validated) form, for asserting on what it understood. */
export function grpcDecoded(r: XdsResource): unknown {
  const decoder = DECODERS[r.typeUrl] as Decoder;
  return decoder.get().decode(CONTEXT, { type_url: r.typeUrl, value: encodeResource(r) }).value;
}
