// Builds the next response of one type for one stream, or decides there is nothing to send.
// Pure apart from updating the stream's TypeWatch with what is being sent.

import type { ProxyNode } from '../model/proxy.js';
import type { DeltaDiscoveryResponse, DeltaResource, DiscoveryResponse } from './ads-service.js';
import { ResourceEncodeError } from './errors.js';
import type { Generator } from './generator.js';
import { encodeResourceCached, type EncodedResource } from './protos.js';
import type { TypeWatch } from './watch-state.js';

export interface ResponseInputs<S extends { version: string }> {
  proxy: ProxyNode;
  watch: TypeWatch;
  generator: Generator<S>;
  snapshot: S;
  /** Send these names even if the client holds them (EDS after their clusters changed). */
  forceNames?: ReadonlySet<string>;
  nonce: () => string;
  controlPlane: string;
}

/** Generates and encodes what the watch subscribes to; throws ResourceEncodeError. */
export function resolveResources<S>(
  proxy: ProxyNode,
  watch: TypeWatch,
  generator: Generator<S>,
  snapshot: S,
): Map<string, EncodedResource> {
  const out = new Map<string, EncodedResource>();
  const add = (names: readonly string[] | undefined): void => {
    const wanted = names ? new Set(names) : undefined;
    for (const r of generator.generate(proxy, snapshot, names)) {
      if (wanted && !wanted.has(r.name)) continue;
      if (r.typeUrl !== watch.typeUrl) {
        throw new ResourceEncodeError(r.name, '', `has type ${r.typeUrl} but was generated for ${watch.typeUrl}`);
      }
      // Envoy NACKs a response that names a resource twice; that is a translation bug.
      if (out.has(r.name)) throw new ResourceEncodeError(r.name, '', `generated twice for ${proxy.id}`);
      out.set(r.name, encodeResourceCached(r));
    }
  };
  const names = watch.requestedNames();
  if (names === undefined) {
    add(undefined);
    // "*" plus explicit names: the explicit ones the wildcard did not cover.
    const extra = [...watch.names].filter((name) => !out.has(name));
    if (extra.length > 0) add(extra);
  } else if (names.length > 0) {
    add(names);
  }
  return out;
}

function sameSet(a: ReadonlyMap<string, EncodedResource>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, resource] of a) if (b.get(name) !== resource.hash) return false;
  return true;
}

/** State of the world: the whole subscribed set, when it differs from what was last sent. */
export function sotwResponse<S extends { version: string }>(
  inputs: ResponseInputs<S>,
): { response: DiscoveryResponse; names: string[] } | undefined {
  const { watch } = inputs;
  const resources = resolveResources(inputs.proxy, watch, inputs.generator, inputs.snapshot);
  const forced = inputs.forceNames !== undefined && [...resources.keys()].some((name) => inputs.forceNames?.has(name));
  if (!watch.owed && !forced && sameSet(resources, watch.sent)) return undefined;
  const nonce = inputs.nonce();
  watch.recordSent(nonce, inputs.snapshot.version);
  watch.sent = new Map([...resources].map(([name, r]) => [name, r.hash]));
  return {
    response: {
      version_info: inputs.snapshot.version,
      resources: [...resources.values()].map((r) => r.any),
      type_url: watch.typeUrl,
      nonce,
      control_plane: { identifier: inputs.controlPlane },
    },
    names: [...resources.keys()],
  };
}

/** Incremental: only resources whose hash the client does not hold, and removals. */
export function deltaResponse<S extends { version: string }>(
  inputs: ResponseInputs<S>,
): { response: DeltaDiscoveryResponse; names: string[] } | undefined {
  const { watch } = inputs;
  const resources = resolveResources(inputs.proxy, watch, inputs.generator, inputs.snapshot);
  const changed: DeltaResource[] = [];
  for (const [name, r] of resources) {
    if (watch.sent.get(name) !== r.hash || inputs.forceNames?.has(name)) changed.push({ name, version: r.hash, resource: r.any });
  }
  const removed: string[] = [];
  for (const name of watch.sent.keys()) if (!resources.has(name)) removed.push(name);
  // A newly subscribed name that does not exist is reported as removed, so the client need not
  // wait out its does-not-exist timer.
  for (const name of watch.fresh) if (!resources.has(name) && !watch.sent.has(name)) removed.push(name);
  if (changed.length === 0 && removed.length === 0 && !watch.owed) return undefined;
  const nonce = inputs.nonce();
  watch.recordSent(nonce, inputs.snapshot.version);
  for (const r of changed) watch.sent.set(r.name, r.version);
  for (const name of removed) watch.sent.delete(name);
  return {
    response: {
      system_version_info: inputs.snapshot.version,
      resources: changed,
      type_url: watch.typeUrl,
      removed_resources: removed,
      nonce,
      control_plane: { identifier: inputs.controlPlane },
    },
    names: changed.map((r) => r.name),
  };
}
