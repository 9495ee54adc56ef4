// The telemetry.istio.io Telemetry kind: schema and the type the control plane consumes.
export { telemetrySpec, ISTIO_METRICS, WORKLOAD_MODES, TAG_OPERATIONS, type TelemetrySpec } from './telemetry.js';
