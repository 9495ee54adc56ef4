// stdio: every logentry instance becomes one JSON line: level, time, instance, then its variables.
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { Duration, type AttributeValue } from '../../attributes/types.js';
import { valueText } from '../../expr/values.js';
import type { Adapter, AdapterEnv, Instance } from '../adapter.js';
import type { StdioParams } from './params.js';
import { RotatingFile } from './rotating-file.js';

export function createStdio(p: StdioParams, env: AdapterEnv): Adapter {
  const stream = p.logStream ?? 'STDOUT';
  let sink: { write(text: string): void; close(): void };
  if (stream === 'ROTATED_FILE') sink = new RotatingFile(p.outputPath as string, (p.maxMegabytesBeforeRotation ?? 100) * 1024 * 1024, p.maxRotatedFiles ?? 1000);
  else if (stream === 'FILE') {
    const fd = openSync(p.outputPath as string, 'a');
    fstatSync(fd);
    sink = { write: (t) => void writeSync(fd, t), close: () => closeSync(fd) };
  } else {
    const fd = stream === 'STDOUT' ? 1 : 2;
    sink = { write: (t) => void writeSync(fd, t), close: () => undefined };
  }
  const levels = p.severityLevels ?? {};
  return {
    report(instances: readonly Instance[]) {
      let text = '';
      for (const i of instances) text += `${JSON.stringify(entryOf(i, levels, env.now()))}\n`;
      if (text) sink.write(text);
    },
    close: () => sink.close(),
  };
}

function entryOf(i: Instance, levels: Record<string, string>, now: number): Record<string, unknown> {
  const severity = typeof i.fields.severity === 'string' ? i.fields.severity : 'info';
  const level = (levels[severity] ?? (/^(warn|warning)$/i.test(severity) ? 'WARNING' : /^error$/i.test(severity) ? 'ERROR' : 'INFO')).toLowerCase();
  const time = i.fields.timestamp instanceof Date ? i.fields.timestamp.toISOString() : new Date(now).toISOString();
  const entry: Record<string, unknown> = { level, time, instance: `${i.name}.${i.namespace}` };
  for (const [k, v] of Object.entries((i.fields.variables ?? {}) as Record<string, AttributeValue>)) entry[k] = jsonValue(v);
  return entry;
}

function jsonValue(v: AttributeValue): unknown {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Duration) return `${v.ms}ms`;
  if (v instanceof Date || v instanceof Uint8Array) return valueText(v);
  return v;
}
