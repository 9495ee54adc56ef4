// Edits one resource's document inside a user's YAML file and leaves the rest of the text as it
// was: other documents, comments and layout are the user's, so we splice text, not re-render.
import { isDeepStrictEqual } from 'node:util';
import { isMap, isNode, isPair, parseAllDocuments, stringify, type Document } from 'yaml';
import { DEFAULT_NAMESPACE, resourceKey, type Resource } from '../api/index.js';
import { documentOf } from '../api/core/index.js';

interface LocatedDocument {
  doc: Document;
  value: unknown;
  key: string | undefined;
}

function documentsOf(text: string): LocatedDocument[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(docs)) return []; // EmptyStream: nothing but comments or whitespace
  return docs.filter((doc) => doc.errors.length === 0 && doc.contents !== null).map((doc) => {
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    return { doc, value, key: rawKey(value) };
  });
}

/** The key of a document as the loader would compute it, without validating the rest. */
function rawKey(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const o = value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') return undefined;
  const namespace = typeof o.metadata.namespace === 'string' ? o.metadata.namespace : DEFAULT_NAMESPACE;
  return resourceKey({ kind: o.kind, metadata: { name: o.metadata.name, namespace } });
}

/**
 * What goes into the file: no resourceVersion (the file store numbers revisions itself, see
 * file.ts), and no `namespace: default` added to a document that relied on the default.
 */
function writtenForm(resource: Resource, previous: unknown): Record<string, unknown> {
  const { resourceVersion: _rv, ...metadata } = resource.metadata;
  const prevMeta = (previous as { metadata?: Record<string, unknown> } | undefined)?.metadata;
  if (prevMeta && !('namespace' in prevMeta) && metadata.namespace === DEFAULT_NAMESPACE) {
    delete (metadata as { namespace?: string }).namespace;
  }
  return documentOf(resource, metadata);
}

/** Returns `text` with `resource`'s document replaced, or appended when the file lacks it. */
export function upsertDocument(text: string, file: string, resource: Resource): string {
  const key = resourceKey(resource);
  const docs = documentsOf(text);
  const found = docs.find((d) => d.key === key);
  const written = writtenForm(resource, found?.value);
  if (file.endsWith('.json')) {
    if (!found && docs.length > 0) throw new Error(`${file} is a JSON file holding another resource; cannot add ${key} to it`);
    return `${JSON.stringify(written, null, 2)}\n`;
  }
  if (!found) {
    const plain = stringify(written);
    if (text.trim() === '') return plain;
    return `${text}${text.endsWith('\n') ? '' : '\n'}---\n${plain}`;
  }
  const contents = found.doc.contents;
  if (!isNode(contents) || !contents.range) throw new Error(`${file}: the document of ${key} has no position`);
  const [start, , end] = contents.range;
  const endsWithNewline = text[end - 1] === '\n';
  const splice = (body: string): string => text.slice(0, start) + (endsWithNewline ? body : body.replace(/\n$/, '')) + text.slice(end);
  // First try to keep the document's own comments by editing its syntax tree; if that ever
  // renders something that does not read back as intended, fall back to a plain rendering.
  const edited = splice(editedBody(found, written));
  if (readsBackAs(edited, docs, found, written)) return edited;
  return splice(stringify(written));
}

/** Returns `text` without `key`'s document, or null if no document is left (delete the file). */
export function removeDocument(text: string, key: string): string | null {
  const docs = documentsOf(text);
  const found = docs.find((d) => d.key === key);
  if (!found) return text;
  if (docs.length === 1) return null;
  const range = found.doc.range;
  if (!range) throw new Error(`the document of ${key} has no position`);
  const [start, , end] = range;
  return text.slice(0, start) + text.slice(end);
}

/** Sets only the top-level fields that changed, so unchanged parts keep their comments. */
function editedBody(found: LocatedDocument, written: Record<string, unknown>): string {
  const doc = found.doc.clone();
  const old = (found.value ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(written)) {
    if (!isDeepStrictEqual(old[k], v)) doc.set(k, doc.createNode(v));
  }
  // Comments before the contents lie outside the spliced range and stay in the text; drop them
  // from the rendering so they are not written twice.
  doc.commentBefore = null;
  doc.comment = null;
  if (doc.directives) doc.directives.docStart = null;
  const map = doc.contents;
  if (isMap(map)) {
    map.commentBefore = undefined;
    map.spaceBefore = false;
    const first = map.items[0];
    if (isPair(first) && isNode(first.key)) {
      first.key.commentBefore = undefined;
      first.key.spaceBefore = false;
    }
  }
  return doc.toString().replace(/^---\n/, '');
}

function readsBackAs(text: string, before: LocatedDocument[], target: LocatedDocument, written: unknown): boolean {
  const after = documentsOf(text);
  if (after.length !== before.length) return false;
  return after.every((d, i) => isDeepStrictEqual(d.value, before[i] === target ? written : before[i]?.value));
}
