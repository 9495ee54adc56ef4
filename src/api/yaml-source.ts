// Parses YAML or JSON text (one or many documents) and keeps each document's syntax tree, so a
// validation error found later on a plain object can be traced back to its line and column.
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { ConfigError, type SourcePosition } from './errors.js';

export interface SourceDocument {
  /** The document as plain data (maps become objects, sequences arrays). */
  value: unknown;
  /** 0-based index of the document within its file. */
  index: number;
  /** Position of a field path inside this document (the key for `key: true`). */
  locate(path: ReadonlyArray<PropertyKey>, opts?: { key?: boolean }): SourcePosition;
}

export interface ParsedSource {
  documents: SourceDocument[];
  errors: ConfigError[];
}

export function parseSource(text: string, file: string): ParsedSource {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const documents: SourceDocument[] = [];
  const errors: ConfigError[] = [];
  // parseAllDocuments returns an EmptyStream (not an array) for empty input.
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        errors.push(
          new ConfigError('YAML_SYNTAX', '', e.message.split('\n')[0] ?? e.message, position(e.pos[0]),
            'fix the YAML syntax; the document is skipped'),
        );
      }
      return;
    }
    // A `---` with nothing after it (e.g. at the end of a file) is an empty document, not a resource.
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push(new ConfigError('YAML_SYNTAX', '', (e as Error).message, position(doc.range[0]),
        'anchors and aliases must not expand without bound'));
      return;
    }
    documents.push({ value, index, locate: (path, opts) => position(offsetOf(doc, path, opts?.key ?? false)) });
  });
  return { documents, errors };
}

/** Walks the syntax tree along `path`, as far as it exists; returns the offset of the deepest node reached. */
function offsetOf(doc: Document, path: ReadonlyArray<PropertyKey>, wantKey: boolean): number {
  let node: Node | null = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length && node; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return offset;
      const key = pair.key as Node;
      // An error about a whole map or list (e.g. "one of a, b is required") reads best at its key.
      const value = pair.value as Node | null;
      if (last && (wantKey || isMap(value) || isSeq(value))) return key.range?.[0] ?? offset;
      node = (pair.value as Node | null) ?? null;
      offset = node?.range?.[0] ?? key.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) return offset;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}
