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

export function isDock2nixError(error: unknown): error is Dock2nixError {
  return error instanceof Dock2nixError;
}
