/**
 * The API as the console calls it: the session cookie goes along by itself; changes carry the CSRF token
 * sign-in gave. An error answer becomes an ApiError with the API's own message, to show beside the control.
 */
let csrfToken: string | null = null;
/** Why the last session ended, for the sign-in form to say; null after a sign-out the user chose. */
let endedBecause: string | null = null;

export function endSession(reason: string): void {
  csrfToken = null;
  endedBecause = reason;
}

/** Why the user is back at the sign-in form, once. */
export function takeEndReason(): string | null {
  const reason = endedBecause;
  endedBecause = null;
  return reason;
}

const WORKSPACE_KEY = 'agora.workspace';
/** The workspace every call acts on (the `X-Agora-Workspace` header), kept across visits. */
let workspace = readStoredWorkspace();

function readStoredWorkspace(): string {
  try {
    return localStorage.getItem(WORKSPACE_KEY) || 'default';
  } catch {
    return 'default';
  }
}

export function currentWorkspace(): string {
  return workspace;
}

/** Makes every later call act on this workspace; the caller drops what the queries had cached. */
export function chooseWorkspace(slug: string): void {
  workspace = slug;
  try {
    localStorage.setItem(WORKSPACE_KEY, slug);
  } catch {
    // Private browsing without storage: the choice lasts until the page reloads.
  }
}

/**
 * The answers on screen that the server gave from before the latest events (it makes them again meanwhile),
 * address → their age in seconds when they came; the page says so (components/BehindNotice.tsx).
 */
const behind = new Map<string, number>();
const behindListeners = new Set<() => void>();

function noteBehind(path: string, seconds: string | null): void {
  const before = behind.get(path);
  if (seconds === null) behind.delete(path);
  else behind.set(path, Number(seconds));
  if (behind.get(path) !== before) for (const listener of behindListeners) listener();
}

export function subscribeBehind(listener: () => void): () => void {
  behindListeners.add(listener);
  return () => behindListeners.delete(listener);
}

/** The age of the oldest answer on screen that is behind the latest events, in seconds; null: none is. */
export function oldestBehind(): number | null {
  return behind.size === 0 ? null : Math.max(...behind.values());
}

/** A new page, or answers asked for again: what was behind is no longer on screen. */
export function forgetBehind(): void {
  if (behind.size === 0) return;
  behind.clear();
  for (const listener of behindListeners) listener();
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-agora-workspace': workspace };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (method === 'GET') noteBehind(path, response.headers.get('x-agora-behind-seconds'));
  if (response.status === 204) return undefined as T;
  const answer = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!response.ok)
    throw new ApiError(response.status, answer.error?.message ?? `The server answered ${response.status}.`);
  return answer as T;
}

/**
 * Saves what a GET answers (a CSV export) as a file. Through fetch, not a plain link: a link could not send
 * the workspace header, and would download the default workspace's file.
 */
export async function download(path: string, filename: string): Promise<void> {
  const response = await fetch(path, {
    headers: { 'x-agora-workspace': workspace },
    credentials: 'same-origin',
  });
  if (!response.ok) {
    const answer = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new ApiError(response.status, answer.error?.message ?? `The server answered ${response.status}.`);
  }
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = filename;
  link.click();
  URL.revokeObjectURL(link.href);
}

export interface Session {
  user: { userId: number; email: string; role: 'admin' | 'analyst'; mustChangePassword: boolean };
  csrfToken: string;
  expiresAt: string;
}

export async function signIn(email: string, password: string): Promise<Session> {
  const session = await api<Session>('POST', '/api/session', { email, password });
  csrfToken = session.csrfToken;
  return session;
}

export async function currentSession(): Promise<Session | null> {
  try {
    const session = await api<Session>('GET', '/api/session');
    csrfToken = session.csrfToken;
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function signOut(): Promise<void> {
  await api('DELETE', '/api/session');
  csrfToken = null;
}
