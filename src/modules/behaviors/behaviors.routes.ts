import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import {
  BehaviorQuerySchema,
  BehaviorReportSchema,
  BehaviorTrendSchema,
  CoverageSchema,
  CustomerBehaviorSchema,
  InitiativeInputSchema,
  InitiativeSchema,
  RecommendationsSchema,
  StrategyIdSchema,
  StrategyInputSchema,
  StrategySchema,
} from './behaviors.schema.ts';
import type { BehaviorService } from './behaviors.service.ts';

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema };
const withNotFound = { ...errors, 404: ErrorResponseSchema };
const tags = ['behaviors'];
const WindowQuerySchema = BehaviorQuerySchema.pick({ asOf: true, window: true });

export function behaviorRoutes(behaviors: BehaviorService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/behaviors',
      {
        schema: {
          tags,
          summary:
            'The behaviour index (access, engage, customize, connect, collaborate; 0–100) of the organisation and of each persona, segment or first channel, with reach and depth: the radar chart’s data',
          querystring: BehaviorQuerySchema,
          response: { 200: BehaviorReportSchema, ...errors },
        },
      },
      async (request) => behaviors.report(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/behaviors/trend',
      {
        schema: {
          tags,
          summary:
            'Month by month over the last year: each behaviour’s reach among that month’s active customers',
          querystring: WindowQuerySchema,
          response: { 200: BehaviorTrendSchema, ...errors },
        },
      },
      async (request) => behaviors.trend(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/behaviors/customers/:customerId',
      {
        schema: {
          tags,
          summary:
            'One customer’s score for each behaviour, with the events, latest time and kinds behind it',
          params: z.object({ customerId: z.coerce.number().int().positive() }),
          querystring: WindowQuerySchema,
          response: { 200: CustomerBehaviorSchema, ...errors },
        },
      },
      async (request) =>
        behaviors.customer(request.workspace.workspaceId, request.params.customerId, request.query),
    );

    app.get(
      '/api/behaviors/coverage',
      {
        schema: {
          tags,
          summary:
            'Which behaviour-enabling touchpoints happen at all, and on which devices and channels each behaviour happens (mobile-first check)',
          querystring: WindowQuerySchema,
          response: { 200: CoverageSchema, ...errors },
        },
      },
      async (request) => behaviors.coverage(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/behaviors/recommendations',
      {
        schema: {
          tags,
          summary:
            'The playbook ranked for the organisation and each persona from the measured index and coverage, each with the numbers behind it, and warnings about the portfolio',
          querystring: WindowQuerySchema,
          response: { 200: RecommendationsSchema, ...errors },
        },
      },
      async (request) => behaviors.recommendations(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/behaviors/strategies',
      {
        schema: {
          tags,
          summary: 'The strategy playbook: Agora’s strategies with this workspace’s edits and additions',
          response: { 200: z.object({ strategies: z.array(StrategySchema) }), ...errors },
        },
      },
      async (request) => ({ strategies: await behaviors.strategies(request.workspace.workspaceId) }),
    );

    app.put(
      '/api/behaviors/strategies/:id',
      {
        schema: {
          tags,
          summary: 'Edits a strategy of the playbook, or adds one under a new id',
          params: z.object({ id: StrategyIdSchema }),
          body: StrategyInputSchema,
          response: { 200: StrategySchema, ...errors },
        },
      },
      async (request) =>
        behaviors.saveStrategy(request.workspace.workspaceId, request.params.id, request.body),
    );

    app.delete(
      '/api/behaviors/strategies/:id',
      {
        schema: {
          tags,
          summary: 'Removes a strategy from this workspace’s playbook',
          params: z.object({ id: StrategyIdSchema }),
          response: { 204: z.null(), ...withNotFound },
        },
      },
      async (request, reply) => {
        await behaviors.removeStrategy(request.workspace.workspaceId, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/behaviors/initiatives',
      {
        schema: {
          tags,
          summary:
            'Tracked initiatives, each with its KPI over the same number of days before its start and since',
          response: { 200: z.object({ initiatives: z.array(InitiativeSchema) }), ...errors },
        },
      },
      async (request) => ({ initiatives: await behaviors.initiatives(request.workspace.workspaceId) }),
    );

    app.post(
      '/api/behaviors/initiatives',
      {
        schema: {
          tags,
          summary: 'Tracks a chosen strategy as an initiative, with its KPI and start date',
          body: InitiativeInputSchema,
          response: { 200: InitiativeSchema, ...withNotFound },
        },
      },
      async (request) => behaviors.track(request.workspace.workspaceId, request.body),
    );
  };
}
