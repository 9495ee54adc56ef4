// Mixer's public face: the runtime (check, quota, report over config-store policy), its gRPC
// server and monitoring port, the wire encoding a client library uses, and the adapter contract.
export { MixerRuntime, type MixerRuntimeOptions } from './runtime/runtime.js';
export { DEFAULT_VALID_DURATION_MS, DEFAULT_VALID_USE_COUNT, type CheckResponse, type QuotaRequest, type QuotaResult } from './runtime/dispatch.js';
export { startMixerServer, type MixerServer } from './api/server.js';
export { startMixerMonitoring } from './api/monitoring.js';
export { MIXER_PROTO, MIXER_SERVICE, mixerServiceClient, mixerServiceDefinition } from './api/proto.js';
export { encodeAttributes, decodeAttributes, decodeCheckResponse, encodeCheckResponse, type WireAttributes, type WireCheckRequest, type WireCheckResponse } from './api/wire.js';
export { decodeCompressedReport, type WireCompressedAttributes, type WireReportRequest } from './api/compressed.js';
export { GLOBAL_WORDS, GLOBAL_WORD_INDEX } from './attributes/global-words.js';
export { MapBag, type AttributeBag } from './attributes/bag.js';
export { ReferenceTracker, type ReferencedAttribute, type ReferenceCondition } from './attributes/referenced.js';
export { Duration, VALUE_TYPES, type AttributeValue, type StringMap, type ValueType } from './attributes/types.js';
export { STANDARD_VOCABULARY, type Vocabulary } from './attributes/vocabulary.js';
export { compile, parse, print, ExprError, type Expression, type EvalResult } from './expr/index.js';
export { CODE, type Status } from './adapters/status.js';
export { ADAPTERS, adapterNamed } from './adapters/catalog.js';
export type { Adapter, AdapterEnv, AdapterInfo, CheckResult, Instance, QuotaArgs, QuotaGrant } from './adapters/adapter.js';
