// The live Mixer: holds the current configuration and its adapters, rebuilds both when the config
// store changes (keeping adapters whose handler did not change, with their counters and lists),
// and serves check and report from whatever configuration is current.
import { Registry } from 'prom-client';
import type { ConfigStore, Subscription } from '../../store/index.js';
import type { AttributeBag } from '../attributes/bag.js';
import { STANDARD_VOCABULARY, type Vocabulary } from '../attributes/vocabulary.js';
import type { Adapter } from '../adapters/adapter.js';
import { adapterNamed } from '../adapters/catalog.js';
import { buildConfig, type HandlerDef } from './config.js';
import { Dispatcher, type CheckResponse, type QuotaRequest, type ReleaseResponse } from './dispatch.js';

const POLICY_KINDS = new Set(['handler', 'instance', 'rule']);

export interface MixerRuntimeOptions {
  registry?: Registry;
  vocabulary?: Vocabulary;
  log?: (line: string) => void;
  now?: () => number;
}

export class MixerRuntime {
  readonly registry: Registry;
  readonly #vocabulary: Vocabulary;
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  #dispatcher: Dispatcher;
  #adapters = new Map<string, { def: HandlerDef; adapter: Adapter }>();
  #problems: string[] = [];
  #queue: Promise<void> = Promise.resolve();
  #subscription: Subscription | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: MixerRuntimeOptions = {}) {
    this.registry = opts.registry ?? new Registry();
    this.#vocabulary = opts.vocabulary ?? STANDARD_VOCABULARY;
    this.#log = opts.log ?? ((l) => process.emitWarning(l));
    this.#now = opts.now ?? Date.now;
    this.#dispatcher = new Dispatcher({ handlers: new Map(), rules: [], problems: [] }, new Map(), this.#log);
  }

  /** Problems of the current configuration (references that do not resolve, adapters that failed). */
  problems(): readonly string[] {
    return this.#problems;
  }

  check(bag: AttributeBag, quotas: Readonly<Record<string, QuotaRequest>> = {}, dedupId = ''): Promise<CheckResponse> {
    return this.#dispatcher.check(bag, quotas, dedupId);
  }

  /** Gives back allocation quota a Check granted (dispatch.ts). */
  release(bag: AttributeBag, quotas: Readonly<Record<string, number>>, dedupId = ''): Promise<ReleaseResponse> {
    return this.#dispatcher.release(bag, quotas, dedupId);
  }

  report(bags: readonly AttributeBag[]): Promise<void> {
    return this.#dispatcher.report(bags);
  }

  /** Applies a set of resources (the policy kinds among them); resolves when the new config serves. */
  apply(resources: readonly import('../../api/index.js').Resource[]): Promise<void> {
    const run = this.#queue.then(() => this.#apply(resources.filter((r) => POLICY_KINDS.has(r.kind))));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #apply(resources: readonly import('../../api/index.js').Resource[]): Promise<void> {
    const config = buildConfig(resources, this.#vocabulary);
    const problems = [...config.problems];
    const next = new Map<string, { def: HandlerDef; adapter: Adapter }>();
    for (const def of config.handlers.values()) {
      const old = this.#adapters.get(def.key);
      if (old && old.def.signature === def.signature) {
        next.set(def.key, old);
        continue;
      }
      try {
        const info = adapterNamed(def.adapter)!;
        const params = info.params.parse(def.params);
        const adapter = await info.create(params, { handler: `${def.name}.${def.namespace}`, registry: this.registry, log: this.#log, now: this.#now });
        next.set(def.key, { def, adapter });
      } catch (e) {
        problems.push(`handler ${def.key}: adapter ${def.adapter} failed to start: ${(e as Error).message}${old ? ' (the previous definition stays in use)' : ''}`);
        if (old) next.set(def.key, old);
      }
    }
    const adapters = new Map([...next].map(([k, v]) => [k, v.adapter]));
    this.#dispatcher = new Dispatcher(config, adapters, this.#log);
    const retired = [...this.#adapters].filter(([k, v]) => next.get(k) !== v).map(([, v]) => v.adapter);
    this.#adapters = next;
    this.#problems = problems;
    for (const p of problems) this.#log(`config: ${p}`);
    await Promise.all(retired.map(async (a) => { try { await a.close?.(); } catch (e) { this.#log(`closing an adapter: ${(e as Error).message}`); } }));
  }

  /** Follows a config store: applies its content now and again after every change (debounced). */
  async watch(store: ConfigStore, debounceMs = 50): Promise<void> {
    await this.apply(store.list());
    this.#subscription = store.watch(store.revision(), (event) => {
      if (!POLICY_KINDS.has(event.resource.kind)) return;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.apply(store.list()), debounceMs);
    });
  }

  async close(): Promise<void> {
    this.#subscription?.close();
    clearTimeout(this.#timer);
    await this.#queue;
    await Promise.all([...this.#adapters.values()].map(async ({ adapter }) => { try { await adapter.close?.(); } catch { /* closing anyway */ } }));
    this.#adapters.clear();
  }
}
