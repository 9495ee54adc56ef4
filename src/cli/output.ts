// Printing resources and messages as YAML, JSON or aligned tables.
import { stringify } from 'yaml';

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

/** Multi-document YAML, as `kubectl get -o yaml` prints a list. */
export function toYamlDocuments(values: readonly unknown[]): string {
  return values.map(toYaml).join('\n---\n');
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('   ');
  return [line(header), ...rows.map(line)].join('\n');
}
