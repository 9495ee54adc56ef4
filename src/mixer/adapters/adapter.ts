// The contract between Mixer and its adapters. An adapter is created once per handler from the
// handler's validated params and then called with instances; it implements only the varieties
// of the templates it supports (check, quota, report). docs/adapters.md says how to write one.
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { InstanceFields } from '../templates/instance-params.js';
import type { Status } from './status.js';

export interface Instance {
  /** The instance resource's name and namespace. */
  name: string;
  namespace: string;
  template: string;
  fields: InstanceFields;
}

export interface CheckResult {
  status: Status;
  /** How long and for how many uses the client may reuse this answer. */
  validDurationMs: number;
  validUseCount: number;
}

export interface QuotaArgs {
  amount: number;
  /** Grant what is left (possibly less than asked) rather than all or nothing. */
  bestEffort: boolean;
  /** A retried Check with the same id is not charged twice. Empty: no deduplication. */
  dedupId: string;
}

export interface QuotaGrant {
  grantedAmount: number;
  validDurationMs: number;
  /**
   * An allocation quota (no validDuration): the grant stays in use until `release` gives it
   * back, so a client must not prefetch it and should release it when done. Absent: a rate quota.
   */
  allocation?: boolean;
}

export interface ReleaseArgs {
  /** Give back up to this much (never below zero in use). */
  amount: number;
  /** A retried Release with the same id is not applied twice. Empty: no deduplication. */
  dedupId: string;
}

export interface ReleaseResult {
  /** What was given back: 0 for a rate quota (a window is not released) or nothing in use. */
  releasedAmount: number;
}

export interface Adapter {
  check?(instance: Instance): Promise<CheckResult> | CheckResult;
  quota?(instance: Instance, args: QuotaArgs): Promise<QuotaGrant> | QuotaGrant;
  /** Gives back an allocation quota's grant (Istio's ReleaseBestEffort); quota adapters only. */
  release?(instance: Instance, args: ReleaseArgs): Promise<ReleaseResult> | ReleaseResult;
  report?(instances: readonly Instance[]): Promise<void> | void;
  /** Called when the handler is removed or its params change; release timers and connections. */
  close?(): Promise<void> | void;
}

export interface AdapterEnv {
  /** `name.namespace` of the handler, for messages and metric names. */
  handler: string;
  /** Mixer's Prometheus registry (served on its monitoring port). */
  registry: Registry;
  log(line: string): void;
  /** Milliseconds since the epoch; injectable so windows and TTLs are tested without sleeping. */
  now(): number;
}

export interface AdapterInfo<P = unknown> {
  name: string;
  /** Istio's names for the same adapter (e.g. listchecker for list). */
  aliases: readonly string[];
  description: string;
  /** Templates whose instances this adapter accepts. */
  templates: readonly string[];
  /** Validates the handler's params at config load time, so errors point at the YAML line. */
  params: z.ZodType<P>;
  /** Builds the adapter; heavy modules are imported here, lazily, not at config load. */
  create(params: P, env: AdapterEnv): Promise<Adapter>;
}

/** Declares an adapter with its params type inferred from the schema. */
export function defineAdapter<S extends z.ZodTypeAny>(info: Omit<AdapterInfo<z.output<S>>, 'params'> & { params: S }): AdapterInfo<z.output<S>> {
  return info as AdapterInfo<z.output<S>>;
}
