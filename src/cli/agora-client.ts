/** Calls a running Agora server's API for a CLI verb; API errors come back as the same AppError. */
import { AppError, appErrorFrom } from '../platform/errors/app-error.ts';
import type { ServerFile } from '../platform/http/server-file.ts';

export interface AgoraClient {
  readonly url: string;
  /** What authenticates a call as the local CLI, for requests made without request(). */
  readonly headers: Record<string, string>;
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export function createAgoraClient(server: ServerFile, workspaceSlug: string): AgoraClient {
  const headers = { authorization: `Bearer ${server.token}`, 'x-agora-workspace': workspaceSlug };
  return {
    url: server.url,
    headers,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).catch((error: unknown) => {
        throw new AppError(
          'DATABASE_UNAVAILABLE',
          `The Agora server at ${server.url} stopped answering (${String(error)}).`,
        );
      });
      const text = await response.text();
      const payload = text ? JSON.parse(text) : null;
      if (!response.ok) {
        throw appErrorFrom({
          code: payload?.error?.code,
          message: payload?.error?.message ?? `The server answered ${response.status}.`,
        });
      }
      return payload as T;
    },
  };
}

/** JSON dates arrive as strings; CLI output wants Dates back where the schema has them. */
export function reviveDates<T extends Record<string, unknown>>(value: T, keys: readonly (keyof T)[]): T {
  const copy: Record<string, unknown> = { ...value };
  for (const key of keys) {
    const raw = copy[key as string];
    if (typeof raw === 'string') copy[key as string] = new Date(raw);
  }
  return copy as T;
}
