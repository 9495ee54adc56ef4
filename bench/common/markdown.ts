// Markdown rendering for results files: tables and number formats that read well in a diff.

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Milliseconds with a precision that suits their size; "–" for a missing value. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

export function seconds(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

export function mib(bytes: number): string {
  return Number.isFinite(bytes) ? (bytes / 1024 / 1024).toFixed(0) : '–';
}

/** "0.42× (met)" or "1.70× (missed by 0.70 s)": a measured value against a ceiling. */
export function againstCeiling(value: number, ceiling: number, unit: (excess: number) => string): string {
  if (!Number.isFinite(value)) return 'not measured';
  const ratio = value / ceiling;
  return ratio <= 1 ? `${ratio.toFixed(2)}× (met)` : `${ratio.toFixed(2)}× (missed by ${unit(value - ceiling)})`;
}
