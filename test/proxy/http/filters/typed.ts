// Filter configs for tests, in exactly the shape the proxy receives them: written as protobufjs
// objects, encoded with Envoy's real message definitions, decoded back the way the xDS client
// decodes (enums as names, int64 as strings, nested Anys unpacked). A misspelt field fails here
// instead of silently testing a config no control plane could send.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';
import { xdsIncludeDirs } from '../../../../src/control/xds/protos.js';
import { checkShape } from '../../../../src/control/xds/resource-shape.js';
import type { Fields } from '../../../../src/proxy/http/stream.js';

const FILES = [
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/header_mutation/v3/header_mutation.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/compressor/v3/compressor.proto',
  'envoy/extensions/compression/gzip/compressor/v3/gzip.proto',
  'envoy/extensions/compression/brotli/compressor/v3/brotli.proto',
  'envoy/extensions/compression/zstd/compressor/v3/zstd.proto',
  'envoy/config/route/v3/route.proto',
];

let root: protobuf.Root | undefined;

function load(): protobuf.Root {
  if (root) return root;
  const require = createRequire(import.meta.url);
  const includes = [...xdsIncludeDirs(), path.dirname(require.resolve('protobufjs/package.json'))];
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of includes) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  r.loadSync(FILES, { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

const T = 'type.googleapis.com/';

/** `fields` as the message `name` (e.g. `envoy.extensions.filters.http.fault.v3.HTTPFault`) decodes. */
export function typed(name: string, fields: Fields = {}): Fields {
  const type = load().lookupType(name);
  checkShape(load(), type, fields, name);
  const bytes = type.encode(type.fromObject(fields)).finish();
  const back = type.toObject(type.decode(bytes), { enums: String, longs: String, bytes: String, json: true });
  return { '@type': `${T}${name}`, ...back };
}

/** An Any-shaped nested config (`{'@type', ...fields}`) for a field of type Any. */
export function any(name: string, fields: Fields = {}): Fields {
  return { '@type': `${T}${name}`, ...fields };
}
