// The control plane's model: the immutable PushContext snapshot and what a change affects.
export type { ProxyNode, ProxyType, Locality } from './proxy.js';
export { PushContext, buildPushContext, buildIndexes, type PushInputs, type PushIndexes } from './push-context.js';
export { next, affects, affectsOnce, changeForResource, changeForRegistry, mergeChanges, FULL_CHANGE, type ConfigChange } from './change.js';
export { MESH_GATEWAY, resolveGatewayName, type VirtualServiceEntry, type VirtualServiceIndex } from './virtual-service-index.js';
export { lookupDestinationRule, type DestinationRuleEntry, type DestinationRuleIndex, type DestinationRuleQuery } from './destination-rule-index.js';
export { selectSidecar, buildSidecarScope, type SidecarScope, type EgressHost, type EgressListenerScope, type SidecarIndex } from './sidecar-scope.js';
export { gatewaysForLabels, type GatewayEntry, type GatewayIndex } from './gateway-index.js';
export { isVisibleTo, normaliseExportTo } from './visibility.js';
export type { ServiceIndex } from './service-index.js';
