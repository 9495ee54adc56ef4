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
export { authorizationPoliciesFor, policyApplies, GATEWAY_NAME_LABEL, type AuthorizationPolicyEntry, type AuthorizationPolicyIndex } from './authorization-policy-index.js';
export { TLS_MODE_LABEL, TLS_MODE_ISTIO, hasMeshIdentity } from './mesh-identity.js';
export { applicablePolicies, workloadMode, portMode, namespaceMode, type MtlsMode, type PeerAuthenticationEntry, type PeerAuthenticationIndex } from './peer-authentication-index.js';
export { requestAuthenticationsFor, requestAuthenticationApplies, type RequestAuthenticationEntry, type RequestAuthenticationIndex } from './request-authentication-index.js';
