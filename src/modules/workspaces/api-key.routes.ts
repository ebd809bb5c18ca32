import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import {
  ApiKeyListSchema,
  ApiKeySchema,
  CreateApiKeySchema,
  CreatedApiKeySchema,
  KeyIdParamsSchema,
} from './workspace.schema.ts';
import type { WorkspaceService } from './workspace.service.ts';

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema };

export function apiKeyRoutes(workspaces: WorkspaceService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/keys',
      {
        schema: {
          tags: ['keys'],
          summary: 'List the workspace’s API keys',
          response: { 200: ApiKeyListSchema, ...errors },
        },
      },
      async (request) => ({ keys: await workspaces.listKeys(request.workspace.workspaceId) }),
    );

    app.post(
      '/api/keys',
      {
        schema: {
          tags: ['keys'],
          summary: 'Create an API key (the answer is the only time the key is shown)',
          body: CreateApiKeySchema,
          response: { 201: CreatedApiKeySchema, ...errors },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await workspaces.createKey(request.workspace.workspaceId, request.body)),
    );

    app.delete(
      '/api/keys/:keyId',
      {
        schema: {
          tags: ['keys'],
          summary: 'Revoke an API key',
          params: KeyIdParamsSchema,
          response: { 200: ApiKeySchema, 404: ErrorResponseSchema, 409: ErrorResponseSchema, ...errors },
        },
      },
      async (request) => workspaces.revokeKey(request.workspace.workspaceId, request.params.keyId),
    );
  };
}
