// The shape every `isthmus` subcommand has: its own flags, help text with examples, and a run
// function that returns an exit code instead of calling process.exit (so tests can call it).
import type { ParseArgsConfig } from 'node:util';

export const EXIT = {
  OK: 0,
  /** The command ran and failed: invalid config, not found, conflict. */
  FAILURE: 1,
  /** The command line itself was wrong. */
  USAGE: 2,
  /** `analyze` found error-level messages (the code istioctl uses). */
  ANALYSIS_ERRORS: 79,
} as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Standard input as text, for `-f -`. */
  stdin(): Promise<string>;
}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  examples: string[];
  options: Options;
  run(values: Values, positionals: string[], io: Io): Promise<number>;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Flags that every command accepts. */
export const COMMON_OPTIONS: Options = {
  help: { type: 'boolean', short: 'h' },
};

export const CONFIG_DIR_OPTION: Options = {
  'config-dir': { type: 'string' },
};

export const DEFAULT_CONFIG_DIR = '.isthmus/config';

export function configDir(values: Values): string {
  return (values['config-dir'] as string | undefined) ?? process.env.ISTHMUS_CONFIG_DIR ?? DEFAULT_CONFIG_DIR;
}

export function oneOfFlag(values: Values, flag: string, allowed: readonly string[], fallback: string): string {
  const v = (values[flag] as string | undefined) ?? fallback;
  if (!allowed.includes(v)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, not "${v}"`);
  return v;
}

/** A port flag: 0–65535 (0 asks the OS for a free one where the command allows it). */
export function portFlag(values: Values, name: string, fallback: number): number {
  const raw = values[name] as string | undefined;
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be a port number 0–65535 (0 picks a free one), not "${raw}"`);
  return n;
}

/** A whole-number flag within [min, max]. */
export function countFlag(values: Values, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name] as string | undefined;
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number ${min}–${max}, not "${raw}"`);
  return n;
}

/** A duration flag in milliseconds, written as e.g. 100ms or 5s. */
export function durationFlag(values: Values, name: string): number | undefined {
  const raw = values[name] as string | undefined;
  if (raw === undefined) return undefined;
  const m = /^(\d+)(ms|s)$/.exec(raw);
  if (!m) throw new UsageError(`--${name} takes a duration such as 500ms or 5s, not "${raw}"`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}
