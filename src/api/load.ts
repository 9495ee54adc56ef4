// Loading configuration: text (YAML or JSON, one or many documents) → validated resources plus
// every error found. A bad document never hides the good ones beside it.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type SourcePosition } from './errors.js';
import { toConfigErrors } from './issues.js';
import { KINDS, apiVersionsOf, kindFor } from './kinds.js';
import { DEFAULT_NAMESPACE, objectMetaSchema, type Resource, type ResourceOrigin } from './resource.js';
import { nearest } from './schema-walk.js';
import { parseSource, type SourceDocument } from './yaml-source.js';

export interface LoadedResource {
  resource: Resource;
  origin: ResourceOrigin;
}

export interface LoadResult {
  resources: LoadedResource[];
  errors: ConfigError[];
}

export const CONFIG_FILE_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** Parses and validates every document in `text`. */
export function loadText(text: string, file: string): LoadResult {
  const parsed = parseSource(text, file);
  const result: LoadResult = { resources: [], errors: [...parsed.errors] };
  for (const doc of parsed.documents) {
    const one = validateDocument(doc, file);
    if (one instanceof Array) result.errors.push(...one);
    else result.resources.push(one);
  }
  return result;
}

/** Validates one plain object (for data that did not come from text, e.g. JSON from an API). */
export function validateObject(value: unknown, file = '<input>'): LoadedResource | ConfigError[] {
  const doc: SourceDocument = { value, index: 0, locate: () => ({ file, line: 0, column: 0 }) };
  return validateDocument(doc, file);
}

const ENVELOPE_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];

function validateDocument(doc: SourceDocument, file: string): LoadedResource | ConfigError[] {
  const v = doc.value;
  const at = (path: PropertyKey[], key = false): SourcePosition => doc.locate(path, { key });
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return [new ConfigError('NOT_A_RESOURCE', '', 'the document is not a map of fields', at([]), 'a resource has apiVersion, kind, metadata and spec')];
  }
  const o = v as Record<string, unknown>;
  const errors: ConfigError[] = [];
  // A core kind (Secret) has its fields at the top level: its own schema judges them.
  const topLevel = typeof o.apiVersion === 'string' && typeof o.kind === 'string' && kindFor(o.apiVersion, o.kind)?.specAtTopLevel === true;
  for (const key of Object.keys(o)) {
    if (!topLevel && !ENVELOPE_FIELDS.includes(key)) {
      const guess = nearest(key, ENVELOPE_FIELDS);
      errors.push(new ConfigError('UNKNOWN_FIELD', key, `unknown field "${key}"`, at([key], true),
        `${guess ? `did you mean "${guess}"? ` : ''}a resource has only ${ENVELOPE_FIELDS.join(', ')}`));
    }
  }
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
    const missing = typeof o.apiVersion !== 'string' ? 'apiVersion' : 'kind';
    errors.push(new ConfigError('NOT_A_RESOURCE', missing, `${missing} is missing or not a string`, at(missing in o ? [missing] : []),
      'e.g. apiVersion: networking.istio.io/v1 and kind: VirtualService'));
    return errors;
  }
  const info = kindFor(o.apiVersion, o.kind);
  if (!info) {
    const versions = apiVersionsOf(o.kind);
    if (versions.length > 0) {
      errors.push(new ConfigError('UNKNOWN_KIND', 'apiVersion', `${o.kind} is not served at apiVersion "${o.apiVersion}"`, at(['apiVersion']),
        `use one of ${versions.join(', ')}`));
    } else {
      const guess = nearest(o.kind, KINDS.map((k) => k.kind));
      errors.push(new ConfigError('UNKNOWN_KIND', 'kind', `unknown kind "${o.kind}"`, at(['kind']),
        `${guess ? `did you mean "${guess}"? ` : ''}known kinds: ${KINDS.map((k) => k.kind).join(', ')}`));
    }
    return errors;
  }
  const meta = objectMetaSchema.safeParse(o.metadata);
  if (!meta.success) {
    errors.push(...toConfigErrors(meta.error.issues, doc, objectMetaSchema, o.metadata, ['metadata']).map(asMetadataError));
  }
  // Istio allows an empty spec for some kinds (e.g. an AuthorizationPolicy that denies all), so a
  // missing spec validates as {}.
  const specValue = topLevel ? topLevelFields(o) : o.spec ?? {};
  const spec = info.spec.safeParse(specValue);
  if (!spec.success) errors.push(...toConfigErrors(spec.error.issues, doc, info.spec, specValue, topLevel ? [] : ['spec']));
  if (errors.length > 0 || !meta.success || !spec.success) return errors;

  const metadata = { ...meta.data, namespace: meta.data.namespace ?? DEFAULT_NAMESPACE };
  return {
    resource: { apiVersion: o.apiVersion, kind: info.kind, metadata, spec: spec.data as Record<string, unknown> },
    origin: { file, line: at([]).line, document: doc.index, namespaced: meta.data.namespace !== undefined },
  };
}

/** A core kind's fields: everything but the envelope. */
function topLevelFields(o: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, ...fields } = o;
  return fields;
}

function asMetadataError(e: ConfigError): ConfigError {
  return e.code === 'INVALID_VALUE' ? new ConfigError('INVALID_METADATA', e.path, e.problem, e.position, e.hint) : e;
}

/** Loads files and directories (recursively: *.yaml, *.yml, *.json), in a stable order. */
export async function loadPaths(paths: readonly string[]): Promise<LoadResult> {
  const result: LoadResult = { resources: [], errors: [] };
  for (const file of await expandPaths(paths, result.errors)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      result.errors.push(new ConfigError('IO', '', `cannot read: ${(e as Error).message}`, { file, line: 0, column: 0 }));
      continue;
    }
    const one = loadText(text, file);
    result.resources.push(...one.resources);
    result.errors.push(...one.errors);
  }
  return result;
}

export async function expandPaths(paths: readonly string[], errors: ConfigError[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    try {
      const s = await stat(p);
      if (s.isDirectory()) files.push(...(await walk(p)));
      else files.push(p);
    } catch (e) {
      errors.push(new ConfigError('IO', '', `cannot read: ${(e as Error).message}`, { file: p, line: 0, column: 0 }, 'check the path'));
    }
  }
  return files;
}

async function walk(dir: string): Promise<string[]> {
  // Plain code-point order, the same order the file store uses to pick the first of two duplicates.
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue; // editor swap files, our own temp files
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (CONFIG_FILE_EXTENSIONS.some((ext) => e.name.endsWith(ext))) out.push(full);
  }
  return out;
}
