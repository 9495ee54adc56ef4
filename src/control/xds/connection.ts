// One ADS stream from one client: who it is, which protocol variant it speaks, and a TypeWatch
// per resource type it has asked for.

import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ProxyNode } from '../model/proxy.js';
import type { NackRecord } from './watch-state.js';
import { TypeWatch } from './watch-state.js';
import { TYPE_URL } from './resource.js';

export type Variant = 'sotw' | 'delta';

/** One connected client as `syncz()` reports it. */
export interface SyncStatus {
  id: string;
  type: ProxyNode['type'];
  namespace: string;
  /** ISO time the stream's first request arrived. */
  connectedAt: string;
  variant: Variant;
  /** Which stream of this proxy (a proxy may reconnect before its old stream is gone). */
  stream: number;
  types: Record<string, TypeSyncStatus>;
  /** The proxy's admin address (`host:port`, node metadata ISTHMUS_ADMIN), for `isthmus proxy-config`. */
  admin?: string;
}

export interface TypeSyncStatus {
  subscribed: string[] | '*';
  sent: string | null;
  acked: string | null;
  lastNack: NackRecord | null;
}

/** LDS and CDS are the types whose responses carry the whole set and that allow wildcard. */
const WILDCARD_TYPES = new Set<string>([TYPE_URL.LISTENER, TYPE_URL.CLUSTER]);

export class Connection {
  readonly watches = new Map<string, TypeWatch>();
  closed = false;
  /** Responses written to this stream whose write has not completed yet. */
  outstanding = 0;
  /** Work waiting for the push throttle: the types to answer or push ('all' for every type). */
  queued: { types: Set<string> | 'all'; since?: number } | undefined;
  /** Set while this stream is in the server's backlog (it waits there at most once). */
  inBacklog = false;

  constructor(
    readonly stream: number,
    readonly proxy: ProxyNode,
    readonly variant: Variant,
    readonly connectedAt: string,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly call: ServerDuplexStream<any, any>,
  ) {}

  /** The watch for a type, and whether this request created it. */
  watch(typeUrl: string): { watch: TypeWatch; first: boolean } {
    const existing = this.watches.get(typeUrl);
    if (existing) return { watch: existing, first: false };
    const created = new TypeWatch(typeUrl, WILDCARD_TYPES.has(typeUrl));
    this.watches.set(typeUrl, created);
    return { watch: created, first: true };
  }

  status(): SyncStatus {
    const types: Record<string, TypeSyncStatus> = {};
    for (const [typeUrl, watch] of this.watches) {
      types[typeUrl] = { subscribed: watch.subscribed(), sent: watch.sentVersion, acked: watch.ackedVersion, lastNack: watch.lastNack };
    }
    return {
      id: this.proxy.id,
      type: this.proxy.type,
      namespace: this.proxy.namespace,
      connectedAt: this.connectedAt,
      variant: this.variant,
      stream: this.stream,
      types,
      ...(typeof this.proxy.metadata.ISTHMUS_ADMIN === 'string' ? { admin: this.proxy.metadata.ISTHMUS_ADMIN } : {}),
    };
  }
}
