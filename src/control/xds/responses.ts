// Builds the next response of one type for one stream, or decides there is nothing to send.
// Pure apart from updating the stream's TypeWatch with what is being sent.

import { createHash } from 'node:crypto';
import type { ProxyNode } from '../model/proxy.js';
import type { DeltaDiscoveryResponse, DeltaResource, DiscoveryResponse } from './ads-service.js';
import { ResourceEncodeError } from './errors.js';
import type { Generator } from './generator.js';
import { namesKey } from './names-key.js';
import { encodeResourceCached, type EncodedResource } from './protos.js';
import { TYPE_URL, type XdsResource } from './resource.js';
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

/**
 * Resolved sets shared by streams that got the same generated array (alike proxies) for the
 * same names, so a push to a thousand alike proxies resolves and encodes once.
 */
const resolvedSets = new WeakMap<readonly XdsResource[], Map<string, Map<string, EncodedResource>>>();

/** Generates and encodes what the watch subscribes to; throws ResourceEncodeError. */
export function resolveResources<S>(
  proxy: ProxyNode,
  watch: TypeWatch,
  generator: Generator<S>,
  snapshot: S,
): Map<string, EncodedResource> {
  const names = watch.requestedNames();
  if (names !== undefined || watch.names.size === 0) {
    const generated = generator.generate(proxy, snapshot, names);
    const key = namesKey(names);
    let byNames = resolvedSets.get(generated);
    const hit = byNames?.get(key);
    if (hit) return hit;
    const resolved = resolveFrom(generated, names, watch, proxy);
    if (!byNames) resolvedSets.set(generated, (byNames = new Map()));
    byNames.set(key, resolved);
    return resolved;
  }
  return resolveUncached(proxy, watch, generator, snapshot);
}

function resolveFrom(generated: readonly XdsResource[], names: readonly string[] | undefined, watch: TypeWatch, proxy: ProxyNode): Map<string, EncodedResource> {
  const out = new Map<string, EncodedResource>();
  const wanted = names ? new Set(names) : undefined;
  for (const r of generated) {
    if (wanted && !wanted.has(r.name)) continue;
    if (r.typeUrl !== watch.typeUrl) throw new ResourceEncodeError(r.name, '', `has type ${r.typeUrl} but was generated for ${watch.typeUrl}`);
    // Envoy NACKs a response that names a resource twice; that is a translation bug.
    if (out.has(r.name)) throw new ResourceEncodeError(r.name, '', `generated twice for ${proxy.id}`);
    out.set(r.name, encodeResourceCached(r));
  }
  return out;
}

/** Wildcard plus explicit names (the explicit ones the wildcard did not cover): rare, not shared. */
function resolveUncached<S>(proxy: ProxyNode, watch: TypeWatch, generator: Generator<S>, snapshot: S): Map<string, EncodedResource> {
  const out = resolveFrom(generator.generate(proxy, snapshot, undefined), undefined, watch, proxy);
  const extra = [...watch.names].filter((name) => !out.has(name));
  if (extra.length === 0) return out;
  for (const [name, r] of resolveFrom(generator.generate(proxy, snapshot, extra), extra, watch, proxy)) out.set(name, r);
  return out;
}

const fingerprints = new WeakMap<ReadonlyMap<string, EncodedResource>, string>();

/** One string for a whole resolved set (names and content hashes), computed once per set. */
function fingerprint(set: ReadonlyMap<string, EncodedResource>): string {
  let f = fingerprints.get(set);
  if (f === undefined) {
    const h = createHash('sha256');
    for (const [name, r] of set) h.update(name).update('\0').update(r.hash).update('\0');
    f = h.digest('base64url');
    fingerprints.set(set, f);
  }
  return f;
}

/** What changed from one shared set to another, computed once per pair for every stream making that move. */
const diffs = new WeakMap<ReadonlyMap<string, EncodedResource>, WeakMap<ReadonlyMap<string, EncodedResource>, EncodedResource[]>>();

function changedBetween(from: ReadonlyMap<string, EncodedResource>, to: ReadonlyMap<string, EncodedResource>): EncodedResource[] {
  let byTo = diffs.get(from);
  let d = byTo?.get(to);
  if (d) return d;
  d = [...to.values()].filter((r) => from.get(r.name)?.hash !== r.hash);
  if (!byTo) diffs.set(from, (byTo = new WeakMap()));
  byTo.set(to, d);
  return d;
}


/**
 * State of the world. A stream remembers only the resolved set it was last brought up to date
 * with (`heldSet`, shared by alike streams) and its fingerprint — no per-stream copy of names.
 */
export function sotwResponse<S extends { version: string }>(
  inputs: ResponseInputs<S>,
): { response: DiscoveryResponse; names: string[] } | undefined {
  const { watch } = inputs;
  const resources = resolveResources(inputs.proxy, watch, inputs.generator, inputs.snapshot);
  if (INCREMENTAL_IN_SOTW.has(watch.typeUrl)) return sotwChangedOnly(inputs, resources);
  const forced = inputs.forceNames !== undefined && [...resources.keys()].some((name) => inputs.forceNames?.has(name));
  if (!watch.owed && !forced && (resources === watch.heldSet || watch.heldFingerprint === fingerprint(resources))) {
    watch.heldSet = resources;
    return undefined;
  }
  return sotwSend(inputs, resources, [...resources.values()]);
}

/**
 * In the state-of-the-world variant only Listener and Cluster responses must carry every
 * resource; for RouteConfiguration and ClusterLoadAssignment a resource left out of a response
 * is not removed (Envoy's xDS protocol, and gRPC's A53). So those responses carry just what
 * changed, which keeps an endpoint change to a few hundred bytes per proxy.
 */
const INCREMENTAL_IN_SOTW: ReadonlySet<string> = new Set([TYPE_URL.ROUTE, TYPE_URL.ENDPOINT]);

function sotwChangedOnly<S extends { version: string }>(
  inputs: ResponseInputs<S>,
  resources: Map<string, EncodedResource>,
): { response: DiscoveryResponse; names: string[] } | undefined {
  const { watch, forceNames } = inputs;
  const held = watch.heldSet as Map<string, EncodedResource> | undefined;
  // After every response the client holds at least all of `heldSet` at its current content.
  let send = held ? changedBetween(held, resources) : [...resources.values()];
  if (forceNames && forceNames.size > 0) {
    const extra = [...forceNames].filter((name) => resources.has(name) && !send.some((r) => r.name === name));
    if (extra.length > 0) send = [...send, ...extra.map((name) => resources.get(name) as EncodedResource)];
  }
  if (send.length === 0 && !watch.owed) {
    watch.heldSet = resources;
    return undefined;
  }
  // A request owed an answer with nothing new (e.g. the same names again) gets the full set.
  if (send.length === 0) send = [...resources.values()];
  return sotwSend(inputs, resources, send);
}

function sotwSend<S extends { version: string }>(
  inputs: ResponseInputs<S>,
  resources: Map<string, EncodedResource>,
  send: readonly EncodedResource[],
): { response: DiscoveryResponse; names: string[] } {
  const { watch } = inputs;
  const nonce = inputs.nonce();
  watch.recordSent(nonce, inputs.snapshot.version);
  watch.heldSet = resources;
  watch.heldFingerprint = fingerprint(resources);
  return {
    response: {
      version_info: inputs.snapshot.version,
      resources: send.map((r) => r.any),
      type_url: watch.typeUrl,
      nonce,
      control_plane: { identifier: inputs.controlPlane },
    },
    names: send.map((r) => r.name),
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
