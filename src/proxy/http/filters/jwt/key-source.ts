// The keys a provider verifies signatures with. An inline JWKS is imported once; a remote one is
// fetched by jose's remote key set on first use, cached for cache_duration, and refetched early
// when a token names a kid the cache does not hold — at most once per cooldown, so a flood of
// tokens with made-up kids cannot hammer the JWKS server.
//
// The fetch goes straight to the URI from this process (fetch()), not through the cluster named in
// http_uri.cluster: Isthmus's proxy has no internal upstream client for filters yet. The cluster
// is kept in the config dump only.
import { createLocalJWKSet, createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { JwksSource } from './config.js';

export interface KeySourceOptions {
  /** Minimum time between two fetches of one JWKS URI triggered by unknown kids. */
  refetchCooldownMs: number;
}

export const DEFAULT_REFETCH_COOLDOWN_MS = 5_000;

/**
 * Remote key sets shared by every listener and provider of one factory, by URI and settings: a
 * listener update must not throw the cache away and refetch, and two providers of one issuer
 * share keys. Bounded, oldest entry evicted first.
 */
export class RemoteKeySets {
  private readonly sets = new Map<string, JWTVerifyGetKey>();

  constructor(private readonly options: KeySourceOptions, private readonly max = 256) {}

  get(uri: URL, timeoutMs: number, cacheDurationMs: number): JWTVerifyGetKey {
    const key = `${uri.href}|${timeoutMs}|${cacheDurationMs}`;
    let set = this.sets.get(key);
    if (!set) {
      if (this.sets.size >= this.max) this.sets.delete(this.sets.keys().next().value as string);
      set = createRemoteJWKSet(uri, {
        timeoutDuration: timeoutMs,
        cacheMaxAge: cacheDurationMs,
        cooldownDuration: Math.min(this.options.refetchCooldownMs, cacheDurationMs),
        headers: { 'user-agent': 'isthmus-proxy' },
      });
      this.sets.set(key, set);
    }
    return set;
  }
}

export function keySource(source: JwksSource, remote: RemoteKeySets): JWTVerifyGetKey {
  return source.kind === 'local'
    ? createLocalJWKSet(source.jwks as unknown as Parameters<typeof createLocalJWKSet>[0])
    : remote.get(source.uri, source.timeoutMs, source.cacheDurationMs);
}
