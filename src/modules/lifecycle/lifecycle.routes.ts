import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import { CustomerIdParamsSchema } from '../customers/index.ts';
import {
  AccountCommitteeSchema,
  AccountIdParamsSchema,
  AccountPageQuerySchema,
  AccountPageSchema,
  CustomerLifecycleSchema,
  LifecycleQuerySchema,
  LifecycleReportSchema,
  LifecycleRulesSchema,
  LifecycleTrendSchema,
  RefreshQuerySchema,
  RefreshResultSchema,
  SegmentComparisonSchema,
  TrendQuerySchema,
} from './lifecycle.schema.ts';
import type { LifecycleService } from './lifecycle.service.ts';

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema };
const tags = ['lifecycle'];

export function lifecycleRoutes(lifecycle: LifecycleService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/lifecycle',
      {
        schema: {
          tags,
          summary:
            'The lifecycle funnel: customers per stage, stage-to-stage conversion, drop-off, median and p90 days between stages',
          querystring: LifecycleQuerySchema,
          response: { 200: LifecycleReportSchema, ...errors },
        },
      },
      async (request) => lifecycle.report(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/lifecycle/trend',
      {
        schema: {
          tags,
          summary: 'Customers entering each stage per day, week or month',
          querystring: TrendQuerySchema,
          response: { 200: LifecycleTrendSchema, ...errors },
        },
      },
      async (request) => lifecycle.trend(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/lifecycle/customers/:customerId',
      {
        schema: {
          tags,
          summary: 'A customer’s stage, lapsed flag and stage history (when, through which touchpoint)',
          params: CustomerIdParamsSchema,
          response: { 200: CustomerLifecycleSchema, 404: ErrorResponseSchema, ...errors },
        },
      },
      async (request) => lifecycle.customer(request.workspace.workspaceId, request.params.customerId),
    );

    app.get(
      '/api/lifecycle/accounts',
      {
        schema: {
          tags,
          summary: 'B2B accounts: stage (their furthest member’s), buying-committee coverage, missing roles',
          querystring: AccountPageQuerySchema,
          response: { 200: AccountPageSchema, ...errors },
        },
      },
      async (request) => lifecycle.accounts(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/lifecycle/accounts/:accountId',
      {
        schema: {
          tags,
          summary: 'One account’s stage and buying committee: each member’s role, title, email and stage',
          params: AccountIdParamsSchema,
          response: { 200: AccountCommitteeSchema, 404: ErrorResponseSchema, ...errors },
        },
      },
      async (request) => lifecycle.account(request.workspace.workspaceId, request.params.accountId),
    );

    app.get(
      '/api/lifecycle/b2b-vs-b2c',
      {
        schema: {
          tags,
          summary:
            'B2B against B2C: days and touchpoints to a first purchase, information seeking, people involved',
          response: { 200: SegmentComparisonSchema, ...errors },
        },
      },
      async (request) => lifecycle.compareSegments(request.workspace.workspaceId),
    );

    app.get(
      '/api/lifecycle/rules',
      {
        schema: { tags, summary: 'The lifecycle rules', response: { 200: LifecycleRulesSchema, ...errors } },
      },
      async (request) => lifecycle.rules(request.workspace.workspaceId),
    );

    app.put(
      '/api/lifecycle/rules',
      {
        schema: {
          tags,
          summary: 'Change the lifecycle rules (when a customer in Action or Loyalty counts as lapsed)',
          description:
            'Reports judge “lapsed” when they are read, so a change shows at once. Which events place a ' +
            'customer in each stage is the taxonomy’s funnel signal (PUT /api/taxonomy/{eventName}); stages ' +
            'are rebuilt after a taxonomy edit by the next refresh (within 30 s, or POST /api/lifecycle/refresh).',
          body: LifecycleRulesSchema,
          response: { 200: LifecycleRulesSchema, ...errors },
        },
      },
      async (request) => lifecycle.updateRules(request.workspace.workspaceId, request.body),
    );

    app.post(
      '/api/lifecycle/rules/reset',
      {
        schema: {
          tags,
          summary: 'Put Agora’s default lifecycle rules back',
          response: { 200: LifecycleRulesSchema, ...errors },
        },
      },
      async (request) => lifecycle.resetRules(request.workspace.workspaceId),
    );

    app.post(
      '/api/lifecycle/refresh',
      {
        schema: {
          tags,
          summary:
            'Bring stages up to date now (Agora also does so every 30 s); ?full=true rebuilds every customer',
          querystring: RefreshQuerySchema,
          response: { 200: RefreshResultSchema, ...errors },
        },
      },
      async (request) => lifecycle.refresh(request.workspace.workspaceId, { full: request.query.full }),
    );
  };
}
