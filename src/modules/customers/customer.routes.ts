import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import {
  CustomerIdParamsSchema,
  CustomerProfileSchema,
  EventPageSchema,
  EventQuerySchema,
  IdentityQuerySchema,
} from './customer.schema.ts';
import type { CustomerService } from './customer.service.ts';

const errors = {
  400: ErrorResponseSchema,
  401: ErrorResponseSchema,
  403: ErrorResponseSchema,
  404: ErrorResponseSchema,
};

export function customerRoutes(customers: CustomerService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/customers/:customerId',
      {
        schema: {
          tags: ['customers'],
          summary: 'A customer’s profile: traits, identities, merges, accounts and roles, last events',
          params: CustomerIdParamsSchema,
          response: { 200: CustomerProfileSchema, ...errors },
        },
      },
      async (request) => customers.getProfile(request.workspace.workspaceId, request.params.customerId),
    );

    app.get(
      '/api/customers',
      {
        schema: {
          tags: ['customers'],
          summary: 'The profile of the customer holding an identity, e.g. ?identity=email:ana@example.com',
          querystring: IdentityQuerySchema,
          response: { 200: CustomerProfileSchema, ...errors },
        },
      },
      async (request) =>
        customers.getProfileByIdentity(request.workspace.workspaceId, request.query.identity),
    );

    app.get(
      '/api/events',
      {
        schema: {
          tags: ['events'],
          summary: 'Events, newest first, filtered by customer, name, channel and time, a page at a time',
          querystring: EventQuerySchema,
          response: { 200: EventPageSchema, ...errors },
        },
      },
      async (request) => customers.searchEvents(request.workspace.workspaceId, request.query),
    );
  };
}
