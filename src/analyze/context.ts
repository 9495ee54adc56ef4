// What analyzers look at: every loaded resource, indexed by kind, with helpers to describe a
// resource in a message the way istioctl does (`VirtualService default/reviews file:line`).
import { resolveHost, type LoadedResource } from '../api/index.js';
import type { AnalysisMessage, MessageType } from './messages.js';

export class AnalysisContext {
  private readonly byKind = new Map<string, LoadedResource[]>();

  constructor(readonly resources: readonly LoadedResource[], readonly rootNamespace = 'isthmus-system') {
    for (const r of resources) {
      const list = this.byKind.get(r.resource.kind) ?? [];
      list.push(r);
      this.byKind.set(r.resource.kind, list);
    }
  }

  ofKind(kind: string): readonly LoadedResource[] {
    return this.byKind.get(kind) ?? [];
  }

  /** A host as written in `r`, fully qualified within r's namespace. */
  fqdn(host: string, r: LoadedResource): string {
    return resolveHost(host, r.resource.metadata.namespace);
  }

  report(type: MessageType, about: LoadedResource | undefined, message: string): AnalysisMessage {
    const m: AnalysisMessage = { code: type.code, name: type.name, severity: type.severity, message };
    if (about) {
      m.resource = `${about.resource.kind} ${about.resource.metadata.namespace}/${about.resource.metadata.name}`;
      m.file = about.origin.file;
      m.line = about.origin.line;
    }
    return m;
  }
}

/** One check over the whole set of resources. */
export interface Analyzer {
  name: string;
  analyze(ctx: AnalysisContext): AnalysisMessage[];
}

/** Labels of a selector; absent or empty means "every workload in scope". */
export function selectorLabels(spec: unknown): Record<string, string> | undefined {
  const sel = (spec as { selector?: { matchLabels?: Record<string, string> } }).selector;
  const labels = sel?.matchLabels;
  return labels && Object.keys(labels).length > 0 ? labels : undefined;
}

export function labelsMatch(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}
