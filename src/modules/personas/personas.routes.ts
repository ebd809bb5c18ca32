import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import {
  CustomerIdParamsSchema,
  CustomerPersonaSchema,
  PersonaIdParamsSchema,
  PersonaListSchema,
  PersonaSchema,
  RefreshOptionsSchema,
  RenameSchema,
  StageMatrixQuerySchema,
  StageMatrixSchema,
} from './personas.schema.ts';
import type { PersonaService } from './personas.service.ts';

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema };

export function personaRoutes(personas: PersonaService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/personas',
      {
        schema: {
          tags: ['personas'],
          summary:
            'The personas of the latest run, each described by what sets it apart; new customers join the nearest first',
          response: { 200: PersonaListSchema, ...errors },
        },
      },
      async (request) => personas.list(request.workspace.workspaceId),
    );

    app.get(
      '/api/personas/stages',
      {
        schema: {
          tags: ['personas'],
          summary:
            'Customers of each persona in each lifecycle stage (persona × stage), of a saved segment if named',
          querystring: StageMatrixQuerySchema,
          response: { 200: StageMatrixSchema, ...errors },
        },
      },
      async (request) => personas.stages(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/personas/customers/:customerId',
      {
        schema: {
          tags: ['personas'],
          summary:
            'The persona one customer belongs to, with its name; none before personas are found or for a customer with too few touchpoints',
          params: CustomerIdParamsSchema,
          response: { 200: CustomerPersonaSchema, 404: ErrorResponseSchema, ...errors },
        },
      },
      async (request) => personas.customer(request.workspace.workspaceId, request.params.customerId),
    );

    app.get(
      '/api/personas/:personaId',
      {
        schema: {
          tags: ['personas'],
          summary: 'One persona of the latest run',
          params: PersonaIdParamsSchema,
          response: { 200: PersonaSchema, 404: ErrorResponseSchema, ...errors },
        },
      },
      async (request) => personas.get(request.workspace.workspaceId, request.params.personaId),
    );

    app.patch(
      '/api/personas/:personaId',
      {
        schema: {
          tags: ['personas'],
          summary: 'Renames a persona; later runs keep the name',
          params: PersonaIdParamsSchema,
          body: RenameSchema,
          response: { 200: PersonaSchema, 404: ErrorResponseSchema, ...errors },
        },
      },
      async (request) =>
        personas.rename(request.workspace.workspaceId, request.params.personaId, request.body.name),
    );

    app.post(
      '/api/personas/refresh',
      {
        schema: {
          tags: ['personas'],
          summary:
            'Recomputes the features, fits the personas as latent classes (k within kMin–kMax where one more class stops paying) and stores a new run',
          body: RefreshOptionsSchema.optional(),
          response: { 200: PersonaListSchema, ...errors },
        },
      },
      async (request) =>
        personas.refresh(request.workspace.workspaceId, RefreshOptionsSchema.parse(request.body ?? {})),
    );
  };
}
