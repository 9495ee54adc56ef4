// Translation: PushContext + proxy → Envoy v3 resources. Pure functions, no I/O.
export { GENERATORS, generate, type Generator } from './generators.js';
export { clusterName, parseClusterName, sidecarRouteName, gatewayRouteName, HTTP_PROXY_ROUTE, OUTBOUND_BIND, outboundListenerName, SDS_WORKLOAD, SDS_ROOT, type ParsedClusterName } from './names.js';
export { translateContext, type TranslateContext, type ClientKind } from './context.js';
export { EXT, FILTER } from './type-urls.js';
export { PROXYLESS_FAILURE_THRESHOLD } from './outlier.js';
