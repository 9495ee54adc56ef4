// The few fields of each kind that the analyzers read. Specs reaching the analyzers have already
// passed schema validation, so these narrow views are safe casts of the full spec types.

export interface DestinationView {
  host: string;
  subset?: string;
}

export interface RouteDestinationView {
  destination: DestinationView;
  weight?: number;
}

export interface VirtualServiceView {
  hosts?: string[];
  gateways?: string[];
  http?: { name?: string; match?: { gateways?: string[] }[]; route?: RouteDestinationView[]; mirror?: DestinationView }[];
  tls?: { match?: { gateways?: string[] }[]; route?: RouteDestinationView[] }[];
  tcp?: { match?: { gateways?: string[] }[]; route?: RouteDestinationView[] }[];
}

export interface DestinationRuleView {
  host: string;
  subsets?: { name: string }[];
  workloadSelector?: { matchLabels?: Record<string, string> };
}

export interface ServiceEntryView {
  hosts: string[];
  workloadSelector?: { labels?: Record<string, string> };
  endpoints?: { labels?: Record<string, string> }[];
}

export interface WorkloadEntryView {
  labels?: Record<string, string>;
}

export interface PeerAuthenticationView {
  selector?: { matchLabels?: Record<string, string> };
  mtls?: { mode?: string };
  portLevelMtls?: Record<string, { mode?: string }>;
}
