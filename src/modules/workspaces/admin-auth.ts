/**
 * Authenticates admin API requests: `Authorization: Bearer <admin key>` acts on the key's workspace.
 * A process that can read the data directory may instead present the running server's local token
 * (see platform/http/server-file.ts) and name a workspace in `X-Agora-Workspace`; that is how the CLI
 * works through a running server.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors/app-error.ts';
import type { Workspace } from './workspace.schema.ts';
import { DEFAULT_WORKSPACE_SLUG, type WorkspaceService } from './workspace.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    workspace: Workspace;
  }
}

export const WORKSPACE_HEADER = 'x-agora-workspace';

export function createAdminAuth(workspaces: WorkspaceService, localToken?: string) {
  return async function requireAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!bearer) {
      throw new AppError(
        'UNAUTHORIZED',
        'Send an admin key as `Authorization: Bearer <key>`. Create one with `agora keys create --kind admin`.',
      );
    }
    if (localToken && sameSecret(bearer, localToken)) {
      const slug = request.headers[WORKSPACE_HEADER];
      request.workspace = await workspaces.getWorkspace(
        typeof slug === 'string' ? slug : DEFAULT_WORKSPACE_SLUG,
      );
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
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
