// What the control plane hands to an xDS stream: named resources of one type, as plain objects
// in protobufjs's object form with the proto's own (snake_case) field names — the same names the
// Envoy docs use, so translation code reads like Envoy YAML. Nested `google.protobuf.Any`
// fields are written `{ '@type': TYPE_URL, ...fields }` and encoded by the xDS layer.

export const TYPE_URL = {
  LISTENER: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  ROUTE: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  CLUSTER: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  ENDPOINT: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  SECRET: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type TypeUrl = (typeof TYPE_URL)[keyof typeof TYPE_URL];

export interface XdsResource {
  name: string;
  typeUrl: TypeUrl;
  /** The message in protobufjs object form (keepCase: snake_case fields). */
  value: Record<string, unknown>;
}
