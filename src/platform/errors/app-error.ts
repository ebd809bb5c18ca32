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

/** The message of anything thrown, for wrapping low-level failures into an AppError. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
