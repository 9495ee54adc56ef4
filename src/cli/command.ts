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
