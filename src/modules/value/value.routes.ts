import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import {
  ClvQuerySchema,
  ClvReportSchema,
  FitQuerySchema,
  FitResultSchema,
  RfmQuerySchema,
  RfmReportSchema,
  RiskQuerySchema,
  RiskReportSchema,
  StoredModelSchema,
} from './value.schema.ts';
import type { ValueService } from './value.service.ts';

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema };

export function valueRoutes(value: ValueService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/value/fit',
      {
        schema: {
          tags: ['value'],
          summary:
            'Fits BG/NBD (repeat buying) and Gamma-Gamma (spend) on the orders before the calibration end',
          body: FitQuerySchema,
          response: { 200: FitResultSchema, ...errors },
        },
      },
      async (request) => value.fit(request.workspace.workspaceId, request.body),
    );

    app.get(
      '/api/value/models',
      {
        schema: {
          tags: ['value'],
          summary: 'Every stored fit of the value models, the latest first',
          response: { 200: z.object({ models: z.array(StoredModelSchema) }), ...errors },
        },
      },
      async (request) => ({ models: await value.models(request.workspace.workspaceId) }),
    );

    app.get(
      '/api/value/clv',
      {
        schema: {
          tags: ['value'],
          summary:
            'Customer lifetime value over a horizon (BG/NBD purchases × Gamma-Gamma value, discounted): in all, by B2B/B2C or acquisition channel, and the most valuable customers',
          querystring: ClvQuerySchema,
          response: { 200: ClvReportSchema, ...errors },
        },
      },
      async (request) => value.clv(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/value/risk',
      {
        schema: {
          tags: ['value'],
          summary:
            'Closing the back door: repeat customers whose chance of staying fell in the last 30 days, with the reasons; and those most likely gone, to win back',
          querystring: RiskQuerySchema,
          response: { 200: RiskReportSchema, ...errors },
        },
      },
      async (request) => value.risk(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/value/rfm',
      {
        schema: {
          tags: ['value'],
          summary:
            'Recency, frequency and monetary quintile scores: customers per R × F cell and per named segment (champions, at risk, …)',
          querystring: RfmQuerySchema,
          response: { 200: RfmReportSchema, ...errors },
        },
      },
      async (request) => value.rfm(request.workspace.workspaceId, request.query),
    );
  };
}
