// Templates: the shapes of the instances adapters receive (Istio's compiled templates). Each
// field of an instance is an expression over the request's attributes; a template says which
// fields exist, which are maps of expressions, and which types they may have.
import type { ValueType } from '../attributes/types.js';
import { TRACESPAN } from './tracespan.js';

/** CHECK instances go to Check (may deny), QUOTA to quota allocation, REPORT to Report (telemetry). */
export type TemplateVariety = 'CHECK' | 'QUOTA' | 'REPORT';

export type FieldSpec =
  | { kind: 'expr'; types?: readonly ValueType[]; required?: boolean; doc: string }
  | { kind: 'map'; types?: readonly ValueType[]; doc: string }
  | { kind: 'object'; fields: Readonly<Record<string, FieldSpec>>; doc: string };

export interface Template {
  name: string;
  variety: TemplateVariety;
  fields: Readonly<Record<string, FieldSpec>>;
}

const NUMERIC: readonly ValueType[] = ['INT64', 'DOUBLE', 'DURATION'];

export const TEMPLATES: readonly Template[] = [
  { name: 'checknothing', variety: 'CHECK', fields: {} },
  {
    name: 'listentry',
    variety: 'CHECK',
    fields: { value: { kind: 'expr', required: true, types: ['STRING', 'IP_ADDRESS', 'DNS_NAME', 'EMAIL_ADDRESS', 'URI'], doc: 'the value looked up in the list' } },
  },
  {
    name: 'authorization',
    variety: 'CHECK',
    fields: {
      subject: {
        kind: 'object',
        doc: 'who makes the request',
        fields: {
          user: { kind: 'expr', types: ['STRING'], doc: 'user name or principal' },
          groups: { kind: 'expr', types: ['STRING'], doc: 'groups, comma separated' },
          properties: { kind: 'map', doc: 'more properties of the subject' },
        },
      },
      action: {
        kind: 'object',
        doc: 'what is requested',
        fields: {
          namespace: { kind: 'expr', types: ['STRING'], doc: 'namespace of the service' },
          service: { kind: 'expr', types: ['STRING'], doc: 'service host' },
          method: { kind: 'expr', types: ['STRING'], doc: 'HTTP method' },
          path: { kind: 'expr', types: ['STRING'], doc: 'HTTP path' },
          properties: { kind: 'map', doc: 'more properties of the action' },
        },
      },
    },
  },
  { name: 'quota', variety: 'QUOTA', fields: { dimensions: { kind: 'map', doc: 'what the quota is counted by' } } },
  {
    name: 'metric',
    variety: 'REPORT',
    fields: {
      value: { kind: 'expr', required: true, types: NUMERIC, doc: 'the number added to a counter or observed by a distribution' },
      dimensions: { kind: 'map', doc: 'the metric labels' },
      monitoredResourceType: { kind: 'expr', types: ['STRING'], doc: 'accepted for Istio compatibility' },
    },
  },
  {
    name: 'logentry',
    variety: 'REPORT',
    fields: {
      severity: { kind: 'expr', types: ['STRING'], doc: 'e.g. "info", "warning", "error"' },
      timestamp: { kind: 'expr', types: ['TIMESTAMP'], doc: 'when it happened' },
      variables: { kind: 'map', doc: 'the fields of the entry' },
      monitoredResourceType: { kind: 'expr', types: ['STRING'], doc: 'accepted for Istio compatibility' },
      timestampFormat: { kind: 'expr', types: ['STRING'], doc: 'accepted for Istio compatibility' },
    },
  },
  TRACESPAN,
];

export function templateNamed(name: string): Template | undefined {
  return TEMPLATES.find((t) => t.name === name);
}
