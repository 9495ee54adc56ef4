// Check, quota, release and report over one configuration: which rules match a bag, which instances they
// build, which adapters those go to, and how the answers combine (the first denial wins; cache
// hints are the minimum over every adapter that answered).
import type { AttributeBag } from '../attributes/bag.js';
import { ReferenceTracker, type ReferencedAttribute } from '../attributes/referenced.js';
import type { Adapter, Instance } from '../adapters/adapter.js';
import { CODE, OK_STATUS, type Status } from '../adapters/status.js';
import type { CompiledAction, CompiledRule, MixerConfig } from './config.js';

export interface QuotaRequest {
  amount: number;
  bestEffort: boolean;
}

export interface QuotaResult {
  status: Status;
  grantedAmount: number;
  validDurationMs: number;
  referencedAttributes: ReferencedAttribute[];
  /** Some adapter counts this quota as an allocation: held until Release, never to be prefetched. */
  allocation?: boolean;
}

export interface ReleaseResult {
  status: Status;
  /** The most any handler gave back (0 when none held any: a rate quota, or nothing in use). */
  releasedAmount: number;
}

export interface ReleaseResponse {
  quotas: Record<string, ReleaseResult>;
}

export interface CheckResponse {
  status: Status;
  validDurationMs: number;
  validUseCount: number;
  referencedAttributes: ReferencedAttribute[];
  quotas: Record<string, QuotaResult>;
}

/** Used when no adapter gave a shorter validity: a decision no rule touched stays true until config changes. */
export const DEFAULT_VALID_DURATION_MS = 60_000;
export const DEFAULT_VALID_USE_COUNT = 10_000;

export class Dispatcher {
  constructor(
    readonly config: MixerConfig,
    readonly adapters: ReadonlyMap<string, Adapter>,
    readonly log: (line: string) => void,
  ) {}

  async check(bag: AttributeBag, quotas: Readonly<Record<string, QuotaRequest>>, dedupId: string): Promise<CheckResponse> {
    const tracker = new ReferenceTracker();
    let status: Status = OK_STATUS;
    let validDurationMs = DEFAULT_VALID_DURATION_MS;
    let validUseCount = DEFAULT_VALID_USE_COUNT;
    const pending: Promise<void>[] = [];
    const quotaActions: { rule: CompiledRule; action: CompiledAction }[] = [];
    for (const rule of this.config.rules) {
      if (!this.#matches(rule, bag, tracker)) continue;
      for (const action of rule.actions) {
        const adapter = this.adapters.get(action.handler.key);
        for (const inst of action.instances) {
          if (inst.template.variety === 'QUOTA') {
            // Once per action: #quota walks the action's instances itself, and an action listing
            // two quota instances must not charge each of them twice.
            if (quotaActions[quotaActions.length - 1]?.action !== action) quotaActions.push({ rule, action });
            continue;
          }
          if (inst.template.variety !== 'CHECK' || !adapter?.check) continue;
          const built = inst.params.build(bag, tracker);
          const instance: Instance | undefined = built.ok ? { name: inst.name, namespace: inst.namespace, template: inst.template.name, fields: built.fields } : undefined;
          if (!instance) {
            if (status.code === CODE.OK) status = { code: CODE.INTERNAL, message: `instance ${inst.name}.${inst.namespace}: ${(built as { error: string }).error}` };
            validDurationMs = 0;
            continue;
          }
          pending.push(Promise.resolve().then(() => adapter.check!(instance)).then(
            (r) => {
              if (r.status.code !== CODE.OK && status.code === CODE.OK) status = r.status;
              validDurationMs = Math.min(validDurationMs, r.validDurationMs);
              validUseCount = Math.min(validUseCount, r.validUseCount);
            },
            (e: Error) => {
              this.log(`handler ${action.handler.key}: check failed: ${e.message}`);
              if (status.code === CODE.OK) status = { code: CODE.INTERNAL, message: `${action.handler.name}.${action.handler.namespace}: ${e.message}` };
              validDurationMs = 0;
            },
          ));
        }
      }
    }
    await Promise.all(pending);
    const quotaResults: Record<string, QuotaResult> = {};
    // Quota is allocated only when the precondition passed: a denied request must not use it up.
    for (const [name, req] of Object.entries(quotas)) {
      quotaResults[name] = status.code === CODE.OK
        ? await this.#quota(name, req, dedupId, bag, quotaActions)
        : { status, grantedAmount: 0, validDurationMs: 0, referencedAttributes: [] };
    }
    return { status, validDurationMs, validUseCount, referencedAttributes: tracker.list(), quotas: quotaResults };
  }

  async #quota(name: string, req: QuotaRequest, dedupId: string, bag: AttributeBag, actions: { rule: CompiledRule; action: CompiledAction }[]): Promise<QuotaResult> {
    const tracker = new ReferenceTracker();
    let granted = req.amount;
    let validDurationMs = DEFAULT_VALID_DURATION_MS;
    let applied = false;
    let allocation = false;
    for (const { action } of actions) {
      const adapter = this.adapters.get(action.handler.key);
      for (const inst of action.instances) {
        if (inst.template.variety !== 'QUOTA' || inst.name !== name || !adapter?.quota) continue;
        const built = inst.params.build(bag, tracker);
        if (!built.ok) return { status: { code: CODE.INTERNAL, message: `instance ${inst.name}.${inst.namespace}: ${built.error}` }, grantedAmount: 0, validDurationMs: 0, referencedAttributes: tracker.list() };
        try {
          const g = await adapter.quota({ name: inst.name, namespace: inst.namespace, template: 'quota', fields: built.fields }, { amount: req.amount, bestEffort: req.bestEffort, dedupId });
          applied = true;
          granted = Math.min(granted, g.grantedAmount);
          validDurationMs = Math.min(validDurationMs, g.validDurationMs);
          if (g.allocation) allocation = true;
        } catch (e) {
          this.log(`handler ${action.handler.key}: quota failed: ${(e as Error).message}`);
          return { status: { code: CODE.UNAVAILABLE, message: `${action.handler.name}.${action.handler.namespace}: ${(e as Error).message}` }, grantedAmount: 0, validDurationMs: 0, referencedAttributes: tracker.list() };
        }
      }
    }
    const exhausted = applied && (req.bestEffort ? granted === 0 : granted < req.amount);
    const status = exhausted ? { code: CODE.RESOURCE_EXHAUSTED, message: `quota ${name} is exhausted` } : OK_STATUS;
    const result: QuotaResult = { status, grantedAmount: granted, validDurationMs, referencedAttributes: tracker.list() };
    if (allocation) result.allocation = true;
    return result;
  }

  /**
   * Gives back allocation quota (Istio's ReleaseBestEffort): the rules matching the bag, and the
   * quota instances' dimensions built from it, exactly as Check resolved them, so a Release with
   * the Check's bag reaches the counter the Check charged. Rate quotas release nothing.
   */
  async release(bag: AttributeBag, quotas: Readonly<Record<string, number>>, dedupId: string): Promise<ReleaseResponse> {
    const out: Record<string, ReleaseResult> = {};
    const wanted = Object.keys(quotas);
    if (wanted.length === 0) return { quotas: out };
    const actions: CompiledAction[] = [];
    for (const rule of this.config.rules) if (this.#matches(rule, bag)) actions.push(...rule.actions);
    await Promise.all(wanted.map(async (name) => {
      const amount = Math.max(0, quotas[name]!);
      let released = 0;
      let status: Status = OK_STATUS;
      for (const action of actions) {
        const adapter = this.adapters.get(action.handler.key);
        for (const inst of action.instances) {
          if (inst.template.variety !== 'QUOTA' || inst.name !== name || !adapter?.release) continue;
          const built = inst.params.build(bag);
          if (!built.ok) {
            if (status.code === CODE.OK) status = { code: CODE.INTERNAL, message: `instance ${inst.name}.${inst.namespace}: ${built.error}` };
            continue;
          }
          try {
            const r = await adapter.release({ name: inst.name, namespace: inst.namespace, template: 'quota', fields: built.fields }, { amount, dedupId });
            released = Math.max(released, r.releasedAmount);
          } catch (e) {
            this.log(`handler ${action.handler.key}: release failed: ${(e as Error).message}`);
            if (status.code === CODE.OK) status = { code: CODE.UNAVAILABLE, message: `${action.handler.name}.${action.handler.namespace}: ${(e as Error).message}` };
          }
        }
      }
      out[name] = { status, releasedAmount: released };
    }));
    return { quotas: out };
  }

  async report(bags: readonly AttributeBag[]): Promise<void> {
    const byHandler = new Map<string, Instance[]>();
    for (const bag of bags) {
      for (const rule of this.config.rules) {
        if (!this.#matches(rule, bag)) continue;
        for (const action of rule.actions) {
          for (const inst of action.instances) {
            if (inst.template.variety !== 'REPORT') continue;
            const built = inst.params.build(bag);
            if (!built.ok) {
              this.log(`rule ${rule.key}: instance ${inst.name}.${inst.namespace}: ${built.error}`);
              continue;
            }
            let list = byHandler.get(action.handler.key);
            if (!list) byHandler.set(action.handler.key, (list = []));
            list.push({ name: inst.name, namespace: inst.namespace, template: inst.template.name, fields: built.fields });
          }
        }
      }
    }
    await Promise.all([...byHandler].map(async ([key, instances]) => {
      try {
        await this.adapters.get(key)?.report?.(instances);
      } catch (e) {
        this.log(`handler ${key}: report failed: ${(e as Error).message}`);
      }
    }));
  }

  #matches(rule: CompiledRule, bag: AttributeBag, tracker?: ReferenceTracker): boolean {
    if (!rule.match) return true;
    const r = rule.match.evaluate(bag, tracker);
    // As in Istio, a match that cannot be evaluated (an attribute absent) does not match.
    return r.ok && r.value === true;
  }
}
