// Envoy's %RESPONSE_FLAGS% text: the flags joined with commas in Envoy's own fixed order (not
// the order they were raised in), "-" when there are none. Metrics, access logs and span tags
// all print the same string, so a flag set reads identically everywhere.

/** Envoy's order of the short flag names (ResponseFlagUtils). Unknown flags sort after these. */
const ENVOY_ORDER = [
  'LH', 'UH', 'UT', 'LR', 'UR', 'UF', 'UC', 'UO', 'NR', 'DI', 'FI', 'RL', 'UAEX', 'RLSE', 'DC', 'URX', 'SI', 'IH',
  'DPE', 'UMSDR', 'RFCF', 'NFCF', 'DT', 'UPE', 'NC', 'OM', 'DF', 'DO', 'DR',
];
const RANK = new Map(ENVOY_ORDER.map((flag, i) => [flag, i]));

const cache = new Map<string, string>();

export function responseFlagsString(flags: readonly string[]): string {
  if (flags.length === 0) return '-';
  if (flags.length === 1) return flags[0]!;
  // Few distinct combinations occur; remember them so the hot path does not sort.
  const key = flags.join(',');
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const sorted = [...new Set(flags)].sort((a, b) => (RANK.get(a) ?? ENVOY_ORDER.length) - (RANK.get(b) ?? ENVOY_ORDER.length));
  const text = sorted.join(',');
  if (cache.size < 1024) cache.set(key, text);
  return text;
}
