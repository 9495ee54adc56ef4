// tracespan: one span of a distributed trace, built from a request's Report (Istio's tracespan
// template, same field names). The ids usually come from the propagation headers the request
// carried (request.headers["x-b3-traceid"]); the times from request.time and response.time.
import type { AttributeValue } from '../attributes/types.js';
import type { Template } from './templates.js';

export const TRACESPAN: Template = {
  name: 'tracespan',
  variety: 'REPORT',
  fields: {
    // Istio requires only traceId; without a span id and both times there is no span to send either,
    // so an instance that omits them is a config error here rather than a span dropped per request.
    traceId: { kind: 'expr', required: true, types: ['STRING'], doc: 'trace id as hex, e.g. request.headers["x-b3-traceid"] | ""' },
    spanId: { kind: 'expr', required: true, types: ['STRING'], doc: 'span id as hex, e.g. request.headers["x-b3-spanid"] | ""' },
    parentSpanId: { kind: 'expr', types: ['STRING'], doc: 'parent span id as hex; empty for a root span' },
    spanName: { kind: 'expr', types: ['STRING'], doc: 'the operation, e.g. request.path | "/"' },
    startTime: { kind: 'expr', required: true, types: ['TIMESTAMP'], doc: 'when the span began, e.g. request.time' },
    endTime: { kind: 'expr', required: true, types: ['TIMESTAMP'], doc: 'when the span ended, e.g. response.time' },
    spanTags: { kind: 'map', doc: 'tags of the span (any type; adapters send them as text)' },
    httpStatusCode: { kind: 'expr', types: ['INT64'], doc: 'HTTP status; 500 and above mark the span as an error' },
    clientSpan: { kind: 'expr', types: ['BOOL'], doc: 'true for the caller\'s side, false for the server\'s' },
    rewriteClientSpanId: { kind: 'expr', types: ['BOOL'], doc: 'give a client span a new id, with the propagated id as its parent' },
    sourceName: { kind: 'expr', types: ['STRING'], doc: 'calling workload' },
    sourceIp: { kind: 'expr', types: ['IP_ADDRESS'], doc: 'calling workload\'s address' },
    destinationName: { kind: 'expr', types: ['STRING'], doc: 'serving workload' },
    destinationIp: { kind: 'expr', types: ['IP_ADDRESS'], doc: 'serving workload\'s address' },
    requestSize: { kind: 'expr', types: ['INT64'], doc: 'request body bytes' },
    requestTotalSize: { kind: 'expr', types: ['INT64'], doc: 'request bytes including headers' },
    responseSize: { kind: 'expr', types: ['INT64'], doc: 'response body bytes' },
    responseTotalSize: { kind: 'expr', types: ['INT64'], doc: 'response bytes including headers' },
    apiProtocol: { kind: 'expr', types: ['STRING'], doc: 'http, http2, grpc, …' },
  },
};

/** A built tracespan instance as trace adapters read it; optional fields are absent when the instance did not set them. */
export interface TraceSpanFields {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  spanName?: string;
  startTime: Date;
  endTime: Date;
  spanTags?: Readonly<Record<string, AttributeValue>>;
  httpStatusCode?: number;
  clientSpan?: boolean;
  rewriteClientSpanId?: boolean;
  sourceName?: string;
  sourceIp?: Uint8Array;
  destinationName?: string;
  destinationIp?: Uint8Array;
  requestSize?: number;
  requestTotalSize?: number;
  responseSize?: number;
  responseTotalSize?: number;
  apiProtocol?: string;
}
