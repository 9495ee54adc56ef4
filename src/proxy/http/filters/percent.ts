// Envoy's FractionalPercent and RuntimeFractionalPercent: "numerator out of 100 / 10 000 /
// 1 000 000" decided per request with a random draw. There is no runtime layer here, so a
// RuntimeFractionalPercent is its default_value. The random source is injectable for tests.
import { enumName, message, reject, uint } from './config-fields.js';

export interface Fraction {
  numerator: number;
  denominator: number;
}

const DENOMINATORS = ['HUNDRED', 'TEN_THOUSAND', 'MILLION'] as const;
const DENOMINATOR_VALUE = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 } as const;

/** Every request, and none. */
export const ALWAYS: Fraction = { numerator: 100, denominator: 100 };
export const NEVER: Fraction = { numerator: 0, denominator: 100 };

/**
 * A FractionalPercent. Unset means 0% — Envoy reads an absent message as its defaults, which is
 * why a fault without a percentage never fires there either.
 */
export function readFractionalPercent(value: unknown, field: string): Fraction {
  const fp = message(value, field);
  if (!fp) return NEVER;
  const numerator = uint(fp.numerator, `${field}.numerator`);
  const name = enumName(fp.denominator, DENOMINATORS, `${field}.denominator`, 'HUNDRED');
  return { numerator, denominator: DENOMINATOR_VALUE[name] };
}

/** A RuntimeFractionalPercent: undefined when unset; default_value is required when set. */
export function readRuntimeFraction(value: unknown, field: string): Fraction | undefined {
  const rf = message(value, field);
  if (!rf) return undefined;
  if (rf.default_value === undefined) reject(`${field}.default_value`, 'is required');
  return readFractionalPercent(rf.default_value, `${field}.default_value`);
}

/** A RuntimeFeatureFlag (`{default_value: BoolValue}`): undefined when unset. */
export function readFeatureFlag(value: unknown, field: string): boolean | undefined {
  const flag = message(value, field);
  if (!flag) return undefined;
  const dv = message(flag.default_value, `${field}.default_value`) ?? reject(`${field}.default_value`, 'is required');
  return dv.value === true;
}

/** Whether this request falls in the fraction; a numerator above the denominator means always. */
export function fractionHit(f: Fraction, random: () => number): boolean {
  if (f.numerator <= 0) return false;
  if (f.numerator >= f.denominator) return true;
  return Math.floor(random() * f.denominator) < f.numerator;
}

