import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import {
  AttributionQuerySchema,
  AttributionReportSchema,
  ExperimentQuerySchema,
  ExperimentReportSchema,
  StageAttributionQuerySchema,
  StageAttributionReportSchema,
} from './attribution.schema.ts';
import type { AttributionService } from './attribution.service.ts';

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema };

export function attributionRoutes(attribution: AttributionService): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/attribution',
      {
        schema: {
          tags: ['attribution'],
          summary:
            'Credit for a conversion by channel (or campaign, device, format, touchpoint, property) under every attribution model, side by side, with what each model measures',
          querystring: AttributionQuerySchema,
          response: { 200: AttributionReportSchema, ...errors },
        },
      },
      async (request) => attribution.compare(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/attribution/stages',
      {
        schema: {
          tags: ['attribution'],
          summary:
            'The models over each step of the lifecycle: which touchpoints move customers from Awareness to Consideration, from Consideration to Preference, …',
          querystring: StageAttributionQuerySchema,
          response: { 200: StageAttributionReportSchema, ...errors },
        },
      },
      async (request) => attribution.stageTransitions(request.workspace.workspaceId, request.query),
    );

    app.get(
      '/api/attribution/experiments',
      {
        schema: {
          tags: ['attribution'],
          summary:
            'The conversion lift of each randomised experiment (exposed over holdout, 95 % interval) beside what the models credit to its campaign',
          querystring: ExperimentQuerySchema,
          response: { 200: ExperimentReportSchema, ...errors },
        },
      },
      async (request) => attribution.experiments(request.workspace.workspaceId, request.query),
    );
  };
}
