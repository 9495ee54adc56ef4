// Every problem a user can cause in their configuration becomes a ConfigError: it names where
// (file, line, column), what (the field path) and how to fix it (the hint).

/** Stable codes so tools and tests can tell error kinds apart without parsing messages. */
export type ConfigErrorCode =
  | 'YAML_SYNTAX' // the text is not YAML/JSON
  | 'NOT_A_RESOURCE' // a document that is not an object with apiVersion/kind
  | 'UNKNOWN_KIND' // apiVersion/kind pair we do not serve
  | 'INVALID_METADATA' // name/namespace/labels malformed
  | 'UNKNOWN_FIELD' // a field the schema does not have
  | 'INVALID_TYPE' // a value of the wrong type
  | 'INVALID_VALUE' // right type, value out of range, bad enum, bad duration, bad regex …
  | 'MISSING_FIELD' // a required field is absent
  | 'DUPLICATE' // the same Kind/namespace/name defined twice in one set of files
  | 'IO'; // a file could not be read

export interface SourcePosition {
  /** File name as the user gave it, or a label such as `<stdin>`. */
  file: string;
  /** 1-based line and column; 0 when unknown. */
  line: number;
  column: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    /** Field path such as `spec.http[0].route[1].weight`; empty for whole-document errors. */
    readonly path: string,
    /** What is wrong, in one sentence. */
    readonly problem: string,
    readonly position: SourcePosition,
    /** What would be valid; may be empty when the problem says it already. */
    readonly hint = '',
  ) {
    super(formatConfigError(position, path, problem, hint));
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      file: this.position.file,
      line: this.position.line,
      column: this.position.column,
      path: this.path,
      problem: this.problem,
      hint: this.hint,
    };
  }
}

function formatConfigError(pos: SourcePosition, path: string, problem: string, hint: string): string {
  const where = pos.line > 0 ? `${pos.file}:${pos.line}:${pos.column}` : pos.file;
  const field = path ? ` ${path}:` : '';
  return `${where}:${field} ${problem}${hint ? ` (${hint})` : ''}`;
}

/** Formats a path array the way users read it: `spec.http[0].match[1].uri`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_][\w-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}
