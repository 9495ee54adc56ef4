// A section of `isthmus proxy-config`: what it needs from the proxy and the manager, its table,
// and the raw JSON `-o json|yaml` prints.
import type { Json } from './json.js';

export interface ProxyConfigInput {
  /** The proxy's /config_dump. */
  dump: Json;
  /** The proxy's /clusters text (endpoints only). */
  clustersText?: string;
  /** The proxy's /certs (secret only). */
  certs?: Json;
  /** The manager's Istio resources, when it could be asked; names DestinationRules and VirtualServices. */
  config?: Json[];
  now: Date;
}

export type Need = 'clusters' | 'certs' | 'config';

export interface Section {
  name: string;
  header: readonly string[];
  needs: readonly Need[];
  rows(input: ProxyConfigInput): string[][];
  raw(input: ProxyConfigInput): unknown;
  /** Printed (to stderr) instead of an empty table. */
  empty: string;
}
