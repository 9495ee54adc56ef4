// DiscoveryRequest encoding and DiscoveryResponse decoding by hand on the protobuf wire format,
// so a thousand simulated sidecars cost little: requests reuse the encoded block of a shared
// name list, and responses are split into their resources without decoding any of them.
import protobuf from 'protobufjs';

const LENGTH_DELIMITED = 2;
const tag = (field: number): number => (field << 3) | LENGTH_DELIMITED;

const namesBlocks = new WeakMap<readonly string[], Buffer>();

/** `resource_names` (field 3) encoded once per list object; lists are shared between clients. */
function namesBlock(names: readonly string[]): Buffer {
  let block = namesBlocks.get(names);
  if (!block) {
    const w = protobuf.Writer.create();
    for (const name of names) w.uint32(tag(3)).string(name);
    block = Buffer.from(w.finish());
    namesBlocks.set(names, block);
  }
  return block;
}

export interface Request {
  versionInfo: string;
  /** An encoded envoy.config.core.v3.Node, on a stream's first request only. */
  node?: Uint8Array;
  names: readonly string[];
  typeUrl: string;
  nonce: string;
}

export function encodeRequest(r: Request): Buffer {
  const head = protobuf.Writer.create();
  if (r.versionInfo) head.uint32(tag(1)).string(r.versionInfo);
  if (r.node) head.uint32(tag(2)).bytes(r.node);
  const tail = protobuf.Writer.create();
  tail.uint32(tag(4)).string(r.typeUrl);
  if (r.nonce) tail.uint32(tag(5)).string(r.nonce);
  return Buffer.concat([head.finish(), namesBlock(r.names), tail.finish()]);
}

export interface Response {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  /** The `value` bytes of each Any, as views into the message (no copies). */
  resources: Uint8Array[];
  /** The encoded resources field: equal bytes here mean equal resources. */
  resourceBytes: Uint8Array;
  size: number;
}

export function decodeResponse(buf: Buffer): Response {
  const r = protobuf.Reader.create(buf);
  const out: Response = { versionInfo: '', typeUrl: '', nonce: '', resources: [], resourceBytes: buf.subarray(0, 0), size: buf.length };
  let first = -1;
  let last = -1;
  while (r.pos < r.len) {
    const start = r.pos;
    const t = r.uint32();
    switch (t >>> 3) {
      case 1: out.versionInfo = r.string(); break;
      case 2: {
        if (first === -1) first = start;
        out.resources.push(anyValue(r.bytes()));
        last = r.pos;
        break;
      }
      case 4: out.typeUrl = r.string(); break;
      case 5: out.nonce = r.string(); break;
      default: r.skipType(t & 7);
    }
  }
  if (first !== -1) out.resourceBytes = buf.subarray(first, last);
  return out;
}

/** google.protobuf.Any's `value` (field 2). */
function anyValue(any: Uint8Array): Uint8Array {
  const r = protobuf.Reader.create(any);
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t >>> 3 === 2 && (t & 7) === LENGTH_DELIMITED) return r.bytes();
    r.skipType(t & 7);
  }
  return new Uint8Array(0);
}

/** Field 1 as a string: the name of a Listener, Cluster or RouteConfiguration, the cluster_name of a ClusterLoadAssignment. */
export function resourceName(value: Uint8Array): string {
  const r = protobuf.Reader.create(value);
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t >>> 3 === 1 && (t & 7) === LENGTH_DELIMITED) return r.string();
    r.skipType(t & 7);
  }
  return '';
}
