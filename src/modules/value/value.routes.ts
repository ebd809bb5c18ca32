import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import {
  ClvDistributionQuerySchema,
  ClvDistributionSchema,
  ClvQuerySchema,
  ClvReportSchema,
  CustomerValueListQuerySchema,
  CustomerValueListSchema,
  CustomerValueSchema,
  EconomicsQuerySchema,
  EconomicsReportSchema,
  FitQuerySchema,
  FitResultSchema,
  RfmQuerySchema,
  RfmReportSchema,
  RiskQuerySchema,
  RiskReportSchema,
  StoredModelSchema,
  ValuationQuerySchema,
  ValuationSchema,
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
      '/api/value/distribution',
      {
        schema: {
          tags: ['value'],
          summary:
            'How the stored lifetime values spread: customers and value per CLV bin on 1-2-5 edges (0, 1, 2, 5, 10, …), the histogram’s data; values customers first when none are stored',
          querystring: ClvDistributionQuerySchema,
          response: { 200: ClvDistributionSchema, ...errors },
        },
      },
      async (request) => value.distribution(request.workspace.workspaceId, request.query),
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

    app.post(
      '/api/value/valuations',
      {
        schema: {
          tags: ['value'],
          summary:
            'Values every customer now (refits the models on every order) and stores it: P(alive), expected purchases and order value, lifetime value, RFM scores',
          body: ValuationQuerySchema,
          response: { 200: ValuationSchema, ...errors },
        },
      },
      async (request) => value.valuate(request.workspace.workspaceId, request.body),
    );

    app.get(
      '/api/value/customers',
      {
        schema: {
          tags: ['value'],
          summary: 'The stored customer values of the latest valuation, a page at a time, sorted',
          querystring: CustomerValueListQuerySchema,
          response: { 200: CustomerValueListSchema, ...errors },
        },
      },
      async (request) => value.customerValues(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/value/customers/:customerId',
      {
        schema: {
          tags: ['value'],
          summary: 'One customer’s stored value and RFM scores',
          params: z.object({ customerId: z.coerce.number().int().positive() }),
          response: { 200: CustomerValueSchema, 404: ErrorResponseSchema, ...errors },
        },
      },
      async (request) => value.customerValue(request.workspace.workspaceId, request.params.customerId),
    );

    app.get(
      '/api/value/economics',
      {
        schema: {
          tags: ['value'],
          summary:
            'Conquest or relations: what a new and a kept customer cost and brought in a period (from the imported marketing costs), in all and per persona, with a plain statement of which pays more',
          querystring: EconomicsQuerySchema,
          response: { 200: EconomicsReportSchema, ...errors },
        },
      },
      async (request) => value.economics(request.workspace.workspaceId, request.query),
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
