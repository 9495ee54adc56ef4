// The Mixer client library's public face: the client a proxy filter calls per request, the
// process-wide shared clients and their metrics, and the parts (cache, pools, batch) for tests.
export { MixerClient, type MixerClientOptions, type QuotaRequirement, type CheckOutcome } from './client.js';
export { CompressedReportEncoder, plainBag, isAttributeSource, type AttributeSink, type AttributeSource } from './report-encoder.js';
export { sharedMixerClient, mixerClientMetricsText, flushMixerClients } from './shared.js';
export { CheckCache, type Bag } from './check-cache.js';
export { QuotaPools } from './quota-pool.js';
export { ReportBatch } from './report-batch.js';
export { MixerClientStats } from './stats.js';
