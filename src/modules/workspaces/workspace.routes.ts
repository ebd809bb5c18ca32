import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../../platform/errors/app-error.ts';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import { CreateWorkspaceSchema, WorkspaceListSchema, WorkspaceSchema } from './workspace.schema.ts';
import type { WorkspaceService } from './workspace.service.ts';

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema };

/**
 * The installation's workspaces. Console users are installation-wide, so a session sees and (as an admin)
 * makes them all; a workspace's admin key sees only its own workspace and makes none.
 */
export function workspaceRoutes(workspaces: WorkspaceService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/workspaces',
      {
        schema: {
          tags: ['workspaces'],
          summary: 'List the workspaces (an admin key: only its own)',
          response: { 200: WorkspaceListSchema, ...errors },
        },
      },
      async (request) => ({
        workspaces: request.keyBound ? [request.workspace] : await workspaces.listWorkspaces(),
      }),
    );

    app.post(
      '/api/workspaces',
      {
        schema: {
          tags: ['workspaces'],
          summary: 'Create an empty workspace with the default taxonomy (console admins, or the local CLI)',
          body: CreateWorkspaceSchema,
          response: { 201: WorkspaceSchema, 409: ErrorResponseSchema, ...errors },
        },
      },
      async (request, reply) => {
        if (request.keyBound)
          throw new AppError(
            'FORBIDDEN',
            "An admin key acts on its own workspace only: create workspaces signed in to the console as an admin, or with the CLI on the server's machine.",
          );
        return reply.status(201).send(await workspaces.createWorkspace(request.body));
      },
    );
  };
}
