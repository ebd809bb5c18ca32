import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import {
  EventNameSchema,
  OccurrenceSchema,
  TaxonomyRuleInputSchema,
  TaxonomyRuleSchema,
} from './taxonomy.schema.ts';
import type { TaxonomyService } from './taxonomy.service.ts';

const RuleListSchema = z.object({ rules: z.array(TaxonomyRuleSchema) });
const RuleParamsSchema = z.object({ eventName: EventNameSchema });
const RuleQuerySchema = z.object({ occurrence: OccurrenceSchema.default('any') });
const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema };

export function taxonomyRoutes(taxonomy: TaxonomyService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/taxonomy',
      {
        schema: {
          tags: ['taxonomy'],
          summary: 'The rules that give each event name its behaviour, funnel signal and micro-moment',
          response: { 200: RuleListSchema, ...errors },
        },
      },
      async (request) => ({ rules: await taxonomy.listRules(request.workspace.workspaceId) }),
    );

    app.put(
      '/api/taxonomy/:eventName',
      {
        schema: {
          tags: ['taxonomy'],
          summary: 'Set the meaning of an event name (creates or replaces its rule)',
          params: RuleParamsSchema,
          querystring: RuleQuerySchema,
          body: TaxonomyRuleInputSchema,
          response: { 200: TaxonomyRuleSchema, ...errors },
        },
      },
      async (request) =>
        taxonomy.putRule(
          request.workspace.workspaceId,
          { eventName: request.params.eventName, occurrence: request.query.occurrence },
          request.body,
        ),
    );

    app.delete(
      '/api/taxonomy/:eventName',
      {
        schema: {
          tags: ['taxonomy'],
          summary: 'Remove an event name’s rule (its events count as unclassified)',
          params: RuleParamsSchema,
          querystring: RuleQuerySchema,
          response: { 204: z.null(), 404: ErrorResponseSchema, ...errors },
        },
      },
      async (request, reply) => {
        await taxonomy.deleteRule(request.workspace.workspaceId, {
          eventName: request.params.eventName,
          occurrence: request.query.occurrence,
        });
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/taxonomy/reset',
      {
        schema: {
          tags: ['taxonomy'],
          summary: 'Replace the workspace’s rules with Agora’s defaults',
          response: { 200: RuleListSchema, ...errors },
        },
      },
      async (request) => ({ rules: await taxonomy.resetRules(request.workspace.workspaceId) }),
    );
  };
}
