// The contract between translation and transport: for one proxy, one snapshot and one resource
// type, which resources apply. The transport decides when to ask and what to send.

import type { ProxyNode } from '../model/proxy.js';
import type { XdsResource } from './resource.js';

export interface Generator<S> {
  /**
   * The resources of this generator's type for `proxy` in `snapshot`. `names` undefined means a
   * wildcard request: everything that applies. With names, return those that exist (extra ones
   * are dropped). Return the same value objects for unchanged resources, ideally shared across
   * proxies: encoding is cached per value object, so a value must never be mutated once
   * returned (build a new object instead).
   */
  generate(proxy: ProxyNode, snapshot: S, names: readonly string[] | undefined): XdsResource[];
}
