/**
 * Authenticates admin API requests: `Authorization: Bearer <admin key>` acts on the key's workspace.
 * A process that can read the data directory may instead present the running server's local token
 * (see platform/http/server-file.ts) and name a workspace in `X-Agora-Workspace`; that is how the CLI
 * works through a running server. The console signs in instead: its session cookie acts as the user, on the
 * workspace `X-Agora-Workspace` names (default "default"), within the user's role.
 */
import { timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors/app-error.ts';
import type { Workspace } from './workspace.schema.ts';
import { DEFAULT_WORKSPACE_SLUG, type WorkspaceService } from './workspace.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    workspace: Workspace;
    /** Who signed in, for a request that came with a console session; absent for API keys. */
    user?: ConsoleUser;
    /** The console session's CSRF token and end, beside `user`: GET /api/session answers with them. */
    session?: { csrfToken: string; expiresAt: Date };
    /** True when a workspace's admin key authenticated the request: it acts on that workspace only. */
    keyBound?: boolean;
  }
  interface FastifyContextConfig {
    /** A POST that only reads (evaluating a rule tree, running a funnel): an analyst may send it. */
    readOnly?: boolean;
    /**
     * Acts on or answers about the signed-in user's own account (who they are, signing out, a new password):
     * any role may, and its answer is never kept for others (platform/http/answer-cache.ts).
     */
    ownAccount?: boolean;
  }
}

/** A console user as their session gives them (users/users.schema.ts's User). */
export interface ConsoleUser {
  userId: number;
  email: string;
  role: 'admin' | 'analyst';
  mustChangePassword: boolean;
  createdAt: Date;
}

export const WORKSPACE_HEADER = 'x-agora-workspace';
export const SESSION_COOKIE = 'agora_session';
export const CSRF_HEADER = 'x-csrf-token';

/** What the console's sessions must answer: the user of a cookie's token and their CSRF token. */
export interface SessionAuthenticator {
  authenticate(token: string): Promise<{
    user: ConsoleUser;
    csrfToken: string;
    expiresAt: Date;
  }>;
}

export function createAdminAuth(
  workspaces: WorkspaceService,
  localToken?: string,
  sessions?: SessionAuthenticator,
) {
  return async function requireAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const cookie = sessions ? request.cookies?.[SESSION_COOKIE] : undefined;
    if (!bearer && cookie) return requireSession(request, sessions!, cookie);
    if (!bearer) {
      throw new AppError(
        'UNAUTHORIZED',
        'Sign in to the console (POST /api/session), or send an admin key as `Authorization: Bearer <key>` (create one with `agora keys create --kind admin`).',
      );
    }
    if (localToken && sameSecret(bearer, localToken)) {
      request.workspace = await workspaces.getWorkspace(workspaceSlug(request));
      return;
    }
    const found = await workspaces.authenticate(bearer);
    if (!found) {
      throw new AppError(
        'UNAUTHORIZED',
        'This key is unknown or was revoked. Create an admin key with `agora keys create --kind admin`.',
      );
    }
    if (found.key.kind !== 'admin') {
      throw new AppError(
        'FORBIDDEN',
        'A write key only sends tracking data; the admin API takes an admin key.',
      );
    }
    request.workspace = found.workspace;
    request.keyBound = true;
  };

  /**
   * A console session: any request that changes something carries the session's CSRF token (a page of
   * another site can make the browser send the cookie, not read the token), and an analyst changes nothing
   * but their own account.
   */
  async function requireSession(request: FastifyRequest, sessions: SessionAuthenticator, cookie: string) {
    const { user, csrfToken, expiresAt } = await sessions.authenticate(cookie);
    const config = request.routeOptions.config;
    const changes = !['GET', 'HEAD', 'OPTIONS'].includes(request.method) && !config?.readOnly;
    if (changes) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameSecret(sent, csrfToken))
        throw new AppError(
          'FORBIDDEN',
          'This change lacks the session’s CSRF token: send the X-CSRF-Token header that sign-in (or GET /api/session) gave.',
        );
      if (user.role !== 'admin' && !config?.ownAccount)
        throw new AppError('FORBIDDEN', 'An analyst account only reads: ask an admin to make this change.');
    }
    request.user = user;
    request.session = { csrfToken, expiresAt };
    const slug = workspaceSlug(request);
    const workspace = await workspaces.findWorkspace(slug);
    if (!workspace)
      throw new AppError(
        'NOT_FOUND',
        `There is no workspace "${slug}": choose one in the console's workspace switcher (GET /api/workspaces lists them), or leave out the X-Agora-Workspace header to use "${DEFAULT_WORKSPACE_SLUG}".`,
      );
    request.workspace = workspace;
  }
}

const workspaceSlug = (request: FastifyRequest) => {
  const slug = request.headers[WORKSPACE_HEADER];
  return typeof slug === 'string' ? slug : DEFAULT_WORKSPACE_SLUG;
};

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
