// The spec types the analyzers read: the schemas' own inferred types, so analysis and
// validation never disagree about a field.
export type { DestinationRuleSpec as DestinationRuleView } from '../api/networking/destination-rule.js';
export type { Destination as DestinationView, HTTPRouteDestination as RouteDestinationView, VirtualServiceSpec as VirtualServiceView } from '../api/networking/virtual-service.js';
export type { ServiceEntrySpec as ServiceEntryView } from '../api/networking/service-entry.js';
export type { WorkloadEntrySpec as WorkloadEntryView } from '../api/networking/workload-entry.js';
export type { PeerAuthenticationSpec as PeerAuthenticationView } from '../api/security/peer-authentication.js';
