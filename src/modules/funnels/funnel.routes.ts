import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import { FunnelQuerySchema, FunnelResultSchema } from './funnel.schema.ts';
import type { FunnelService } from './funnel.service.ts';

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema };

export function funnelRoutes(funnels: FunnelService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/funnels',
      {
        // Computes an answer and keeps nothing: an analyst may ask it.
        config: { readOnly: true },
        schema: {
          tags: ['funnels'],
          summary:
            'A custom funnel over ordered event steps: conversion window, loose or strict order, exclusions, breakdown, by customer or account',
          body: FunnelQuerySchema,
          response: { 200: FunnelResultSchema, ...errors },
        },
      },
      async (request) => funnels.run(request.workspace.workspaceId, request.body),
    );
  };
}
