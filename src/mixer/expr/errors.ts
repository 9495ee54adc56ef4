// The one error type the expression language throws: parse and type errors alike carry the
// 1-based line and column, so a config error can point at the character that is wrong.

export class ExprError extends Error {
  override readonly name = 'ExprError';
  constructor(
    readonly problem: string,
    /** 0-based offset into the expression text. */
    readonly offset: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${line}:${column}: ${problem}`);
  }

  static at(text: string, offset: number, problem: string): ExprError {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset && i < text.length; i++) {
      if (text[i] === '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    return new ExprError(problem, offset, line, offset - lineStart + 1);
  }
}
