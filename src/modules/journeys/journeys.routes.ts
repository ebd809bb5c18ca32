import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import {
  CohortMatrixSchema,
  CohortQuerySchema,
  MicroMomentQuerySchema,
  MicroMomentReportSchema,
  PathQuerySchema,
  PathToPurchaseQuerySchema,
  PathToPurchaseSchema,
  SankeySchema,
} from './journeys.schema.ts';
import type { JourneyService } from './journeys.service.ts';

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema };
const tags = ['journeys'];

export function journeyRoutes(journeys: JourneyService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/journeys/paths',
      {
        schema: {
          tags,
          summary:
            'Top paths from (start=) or to (end=) an event, as Sankey nodes and links, rare nodes folded into “other”',
          querystring: PathQuerySchema,
          response: { 200: SankeySchema, ...errors },
        },
      },
      async (request) => journeys.paths(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/journeys/path-to-purchase',
      {
        schema: {
          tags,
          summary:
            'Touchpoints and days from first touch to first purchase, the sequences most common before it, touchpoints of buyers against non-buyers',
          querystring: PathToPurchaseQuerySchema,
          response: { 200: PathToPurchaseSchema, ...errors },
        },
      },
      async (request) => journeys.pathToPurchase(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/journeys/micro-moments',
      {
        schema: {
          tags,
          summary:
            'Know, go, do and buy moments: by stage, channel and hour, and those followed by a first purchase',
          querystring: MicroMomentQuerySchema,
          response: { 200: MicroMomentReportSchema, ...errors },
        },
      },
      async (request) => journeys.microMoments(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/journeys/cohorts',
      {
        schema: {
          tags,
          summary:
            'Retention by first-purchase month or first-touch channel, as a matrix of months since the first purchase',
          querystring: CohortQuerySchema,
          response: { 200: CohortMatrixSchema, ...errors },
        },
      },
      async (request) => journeys.cohorts(request.workspace.workspaceId, request.query),
    );
  };
}
