// The xDS transport's public face: the ADS server, the generator contract, node parsing and
// resource encoding.

export { AdsServer, type AdsServerOptions } from './ads-server.js';
export type { SyncStatus, TypeSyncStatus, Variant } from './connection.js';
export type { Affects } from './debounce.js';
export { InvalidNodeError, ResourceEncodeError, XdsError, type XdsErrorCode } from './errors.js';
export type { Generator } from './generator.js';
export { parseNode } from './node.js';
export { decodeAny, durationProto, encodeResource, structProto, xdsRoot, XDS_PROTO_FILES, type AnyProto } from './protos.js';
export { TYPE_URL, type TypeUrl, type XdsResource } from './resource.js';
export type { Clock, Timers } from './timers.js';
export type { NackRecord } from './watch-state.js';
