import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import type { TouchpointRulesService } from './touchpoint-rules.service.ts';
import { TouchpointRulesSchema } from './touchpoint-rules.ts';

const RulesResponseSchema = TouchpointRulesSchema.extend({
  updatedAt: z.date().nullable().describe('null while the workspace uses only the built-in rules'),
});
const Time = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema };

/** A workspace's own channel and device rules (docs/ingestion.md), and re-applying them to stored events. */
export function touchpointRuleRoutes(rules: TouchpointRulesService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/touchpoint-rules',
      {
        schema: {
          tags: ['tracking'],
          summary: "The workspace's own channel and device rules, tried before the built-in ones",
          response: { 200: RulesResponseSchema, ...errors },
        },
      },
      async (request) => rules.get(request.workspace.workspaceId),
    );

    app.put(
      '/api/touchpoint-rules',
      {
        schema: {
          tags: ['tracking'],
          summary: "Replace the workspace's own rules; new events use them at once",
          description:
            'Each list is tried in order and the first rule whose conditions all hold decides; * in a ' +
            'condition stands for any characters, case is ignored. Stored events keep their channel and ' +
            'device until POST /api/touchpoint-rules/reclassify.',
          body: TouchpointRulesSchema,
          response: { 200: RulesResponseSchema, ...errors },
        },
      },
      async (request) => rules.set(request.workspace.workspaceId, request.body),
    );

    app.post(
      '/api/touchpoint-rules/reclassify',
      {
        schema: {
          tags: ['tracking'],
          summary: 'Apply the current rules to stored events that occurred in [from, to) (default: all)',
          body: z.object({ from: Time.optional(), to: Time.optional() }).nullish(),
          response: {
            200: z.object({
              events: z.number().int().describe('events read'),
              changed: z
                .number()
                .int()
                .describe('events whose channel, source, medium, campaign or device changed'),
            }),
            ...errors,
          },
        },
      },
      async (request) => rules.reclassify(request.workspace.workspaceId, request.body ?? {}),
    );
  };
}
