/**
 * Errors a user can act on. The CLI prints them as one line (`file:line: message`) and exits non-zero;
 * anything else is a bug and is printed with its stack only under --debug.
 */
export type ErrorCode =
  'E_USAGE' | 'E_INPUT' | 'E_NOT_FOUND' | 'E_EXISTS' | 'E_WRITE' | 'E_OUTSIDE_CONTEXT' | 'E_RULES' | 'E_ENGINE' | 'E_ARCHIVE' | 'E_INTERRUPTED';

export class Dock2nixError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly hint?: string;
  /** Lines shown after the one line (the end of a failed build's log), already bounded by whoever sets them. */
  readonly details?: string[];
  /** Exit status for the CLI; 2 for usage errors, 1 otherwise. */
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, where: { file?: string; line?: number; hint?: string; exitCode?: number; details?: string[] } = {}) {
    super(message);
    this.name = 'Dock2nixError';
    this.code = code;
    this.file = where.file;
    this.line = where.line;
    this.hint = where.hint;
    if (where.details && where.details.length > 0) this.details = where.details;
    this.exitCode = where.exitCode ?? (code === 'E_USAGE' ? 2 : 1);
  }

  /** `file:line: message`, the one line a user sees. */
  oneLine(): string {
    const where = this.file ? `${this.file}${this.line ? `:${this.line}` : ''}: ` : '';
    return `${where}${this.message}${this.hint ? ` (${this.hint})` : ''}`;
  }
}

/**
 * Several errors of one file, reported at once (each `file:line: message`). As a Dock2nixError it is the first one,
 * so a caller that shows one line shows that line and how many more there are.
 */
export class DockerfileErrors extends Dock2nixError {
  readonly errors: Dock2nixError[];
  /** More errors followed than `errors` holds. */
  readonly truncated: boolean;

  constructor(errors: Dock2nixError[], truncated: boolean) {
    const first = errors[0]!;
    super(first.code, first.message, { file: first.file, line: first.line, hint: first.hint, exitCode: first.exitCode });
    this.errors = errors;
    this.truncated = truncated;
  }

  override oneLine(): string {
    const more = this.errors.length - 1;
    return more > 0 || this.truncated
      ? `${super.oneLine()} (and ${more}${this.truncated ? '+' : ''} more error${more === 1 && !this.truncated ? '' : 's'})`
      : super.oneLine();
  }

  /** Every error, one `file:line: message` line each, and a last line when there were more than could be shown. */
  lines(): string[] {
    const lines = this.errors.map((e) => Dock2nixError.prototype.oneLine.call(e));
    if (this.truncated) lines.push(`${this.file ?? 'Dockerfile'}: stopped after ${this.errors.length} errors`);
    return lines;
  }
}

export function isDock2nixError(error: unknown): error is Dock2nixError {
  return error instanceof Dock2nixError;
}
