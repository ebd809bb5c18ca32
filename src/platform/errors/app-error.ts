/**
 * The one error type domain code throws. It carries a stable code, a message that says what was wrong
 * and how to fix it, and optional details; HTTP and CLI layers map the code to a status or exit code.
 */

export const ERROR_STATUS = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  QUERY_FAILED: 500,
  MIGRATION_FAILED: 500,
  CONFIG_INVALID: 500,
  DATA_DIR_UNWRITABLE: 500,
  DATABASE_UNAVAILABLE: 503,
  DATABASE_LOCKED: 503,
  PORT_IN_USE: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * The message of anything thrown, on one line, for wrapping low-level failures into an AppError.
 * Drivers add context after a blank line (DuckDB's caret diagram under the SQL); only the first paragraph is kept.
 */
export function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const [firstParagraph = ''] = message.trim().split(/\n\s*\n/);
  return firstParagraph.replace(/\s*\n\s*/g, ' ');
}

/** An error as it crosses to another process or thread: its code (INTERNAL for anything else) and message. */
export function errorPayload(error: unknown): { code: string; message: string } {
  return isAppError(error)
    ? { code: error.code, message: error.message }
    : { code: 'INTERNAL', message: messageOf(error) };
}

/** The AppError an error payload stands for; a code this version does not know is INTERNAL. */
export function appErrorFrom(payload: { code?: string | undefined; message: string }): AppError {
  const code = payload.code && payload.code in ERROR_STATUS ? (payload.code as ErrorCode) : 'INTERNAL';
  return new AppError(code, payload.message);
}
