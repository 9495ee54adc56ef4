// Access log lines in Istio's two default encodings (MeshConfig accessLogEncoding): JSON, one
// object per line with the fields of Istio's default JSON format (keys sorted, numbers for the
// numeric operators, null for values the stream did not have — as Envoy's JSON formatter prints
// them), and TEXT, Istio's default format string with "-" for missing values.
import type { AccessLogSink } from './access-log-sink.js';
import type { CompletedStream, StreamObserver } from './completed-stream.js';
import { responseFlagsString } from './response-flags.js';

export type AccessLogEncoding = 'JSON' | 'TEXT';

/** One access log entry as Istio's default JSON format names its fields. */
export interface AccessLogRecord {
  authority: string | null;
  bytes_received: number;
  bytes_sent: number;
  connection_termination_details: string | null;
  downstream_local_address: string;
  downstream_remote_address: string;
  duration: number;
  method: string | null;
  path: string | null;
  protocol: string | null;
  request_id: string | null;
  requested_server_name: string | null;
  response_code: number;
  response_code_details: string | null;
  response_flags: string;
  route_name: string | null;
  start_time: string;
  trace_id: string | null;
  upstream_cluster: string | null;
  upstream_host: string | null;
  upstream_local_address: string | null;
  upstream_service_time: string | null;
  upstream_transport_failure_reason: string | null;
  user_agent: string | null;
  x_forwarded_for: string | null;
}

// Streams finishing together often started in the same millisecond; format each one once.
let lastStart = NaN;
let lastStartText = '';

function startTimeText(ms: number): string {
  if (ms !== lastStart) {
    if (!Number.isFinite(ms)) return '-';
    lastStart = ms;
    lastStartText = new Date(ms).toISOString();
  }
  return lastStartText;
}

/** The record behind both encodings (keys in sorted order, as Envoy writes a JSON format). */
export function accessLogRecord(info: CompletedStream): AccessLogRecord {
  const tcp = info.protocol === 'TCP';
  return {
    authority: info.authority ?? null,
    bytes_received: info.requestBytes,
    bytes_sent: info.responseBytes,
    connection_termination_details: info.connectionTerminationDetails ?? null,
    downstream_local_address: info.downstreamLocal,
    downstream_remote_address: info.downstreamRemote,
    // %DURATION% is whole milliseconds, truncated.
    duration: Math.floor(info.durationMs),
    method: info.method ?? null,
    path: info.path ?? null,
    protocol: tcp ? null : info.protocol,
    request_id: info.requestId ?? null,
    requested_server_name: info.requestedServerName ?? null,
    response_code: info.responseCode,
    response_code_details: info.responseCodeDetails ?? null,
    response_flags: responseFlagsString(info.responseFlags),
    route_name: info.routeName ?? null,
    start_time: startTimeText(info.startTime),
    trace_id: info.traceId ?? null,
    upstream_cluster: info.upstreamCluster ?? null,
    upstream_host: info.upstreamHost ?? null,
    upstream_local_address: info.upstreamLocalAddress ?? null,
    upstream_service_time: info.upstreamServiceTimeMs !== undefined ? String(Math.floor(info.upstreamServiceTimeMs)) : null,
    upstream_transport_failure_reason: info.upstreamTransportFailureReason ?? null,
    user_agent: info.userAgent ?? null,
    x_forwarded_for: info.forwardedFor ?? null,
  };
}

/** A JSON access log line, newline-terminated. */
export function formatJsonAccessLog(info: CompletedStream): string {
  return `${JSON.stringify(accessLogRecord(info))}\n`;
}

// Request headers reach the log verbatim; a CR/LF in one would forge a second log line.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\u0000-\u001f\u007f]/g;

function text(value: string | number | null): string {
  if (value === null || value === '') return '-';
  if (typeof value === 'number') return String(value);
  return CONTROL.test(value) ? value.replace(CONTROL_ALL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) : value;
}

/**
 * Istio's default TEXT format:
 * `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
 * %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%
 * "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
 * %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
 * "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW%
 * %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%
 * %REQUESTED_SERVER_NAME% %ROUTE_NAME%`, newline-terminated.
 */
export function formatTextAccessLog(info: CompletedStream): string {
  const r = accessLogRecord(info);
  return (
    `[${r.start_time}] "${text(r.method)} ${text(r.path)} ${text(r.protocol)}" ${r.response_code} ${r.response_flags} ` +
    `${text(r.response_code_details)} ${text(r.connection_termination_details)} "${text(r.upstream_transport_failure_reason)}" ` +
    `${r.bytes_received} ${r.bytes_sent} ${r.duration} ${text(r.upstream_service_time)} "${text(r.x_forwarded_for)}" ` +
    `"${text(r.user_agent)}" "${text(r.request_id)}" "${text(r.authority)}" "${text(r.upstream_host)}" ` +
    `${text(r.upstream_cluster)} ${text(r.upstream_local_address)} ${text(r.downstream_local_address)} ` +
    `${text(r.downstream_remote_address)} ${text(r.requested_server_name)} ${text(r.route_name)}\n`
  );
}

export function formatAccessLog(info: CompletedStream, encoding: AccessLogEncoding): string {
  return encoding === 'JSON' ? formatJsonAccessLog(info) : formatTextAccessLog(info);
}

export interface AccessLoggerOptions {
  /** Default TEXT, as MeshConfig's accessLogEncoding. */
  encoding?: AccessLogEncoding;
}

/** The observer that writes one line per finished stream to a sink. */
export class AccessLogger implements StreamObserver {
  private readonly format: (info: CompletedStream) => string;

  constructor(
    private readonly sink: AccessLogSink,
    options: AccessLoggerOptions = {},
  ) {
    this.format = (options.encoding ?? 'TEXT') === 'JSON' ? formatJsonAccessLog : formatTextAccessLog;
  }

  onComplete(info: CompletedStream): void {
    this.sink.write(this.format(info));
  }
}
