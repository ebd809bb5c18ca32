/** CLI options through a module's zod schema: the first problem names the flag and says what it must be. */
import type { z } from 'zod';
import { AppError } from '../platform/errors/app-error.ts';

export function parseOptions<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.infer<S> {
  const given = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
  const parsed = schema.safeParse(given);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  const flag = `--${field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
  throw new AppError(
    'INVALID_INPUT',
    `${flag}: ${issue.message}${field in given ? ` (got ${JSON.stringify(given[field])})` : ''}.`,
  );
}

/** The query string of the same options, for a verb that goes through a running server. */
export function toQueryString(options: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === null) continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
