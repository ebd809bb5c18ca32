import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import {
  DeliverySchema,
  EvaluateBodySchema,
  EvaluationSchema,
  MembersPageSchema,
  PageQuerySchema,
  SegmentInputSchema,
  SegmentParamsSchema,
  SegmentRefreshSchema,
  SegmentSchema,
  SizeHistorySchema,
} from './segment.schema.ts';
import type { SegmentService } from './segment.service.ts';

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema };
const withNotFound = { ...errors, 404: ErrorResponseSchema };
const tags = ['segments'];

export function segmentRoutes(segments: SegmentService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/segments/evaluate',
      {
        // Computes an answer and keeps nothing: an analyst may ask it.
        config: { readOnly: true },
        schema: {
          tags,
          summary: 'Evaluates a rule tree now: how many customers it selects, and a page of them',
          body: EvaluateBodySchema,
          response: { 200: EvaluationSchema, ...errors },
        },
      },
      async (request) => segments.evaluate(request.workspace.workspaceId, request.body),
    );

    app.get(
      '/api/segments',
      {
        schema: {
          tags,
          summary: 'Every saved segment, with its size at its last refresh',
          response: { 200: z.object({ segments: z.array(SegmentSchema) }), ...errors },
        },
      },
      async (request) => ({ segments: await segments.list(request.workspace.workspaceId) }),
    );

    app.put(
      '/api/segments/:slug',
      {
        schema: {
          tags,
          summary: 'Saves a segment (new, or a new definition for the slug) and refreshes its members',
          params: SegmentParamsSchema,
          body: SegmentInputSchema,
          response: { 200: SegmentSchema, ...errors },
        },
      },
      async (request) => segments.save(request.workspace.workspaceId, request.params.slug, request.body),
    );

    app.get(
      '/api/segments/:slug',
      {
        schema: {
          tags,
          summary: 'One saved segment',
          params: SegmentParamsSchema,
          response: { 200: SegmentSchema, ...withNotFound },
        },
      },
      async (request) => segments.get(request.workspace.workspaceId, request.params.slug),
    );

    app.delete(
      '/api/segments/:slug',
      {
        schema: {
          tags,
          summary: 'Deletes a segment, its members and size history (its delivery log stays)',
          params: SegmentParamsSchema,
          response: { 204: z.null(), ...withNotFound, 409: ErrorResponseSchema },
        },
      },
      async (request, reply) => {
        await segments.remove(request.workspace.workspaceId, request.params.slug);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/segments/:slug/refresh',
      {
        schema: {
          tags,
          summary: 'Refreshes the members now: who joined, who left, and the webhook deliveries queued',
          params: SegmentParamsSchema,
          response: { 200: SegmentRefreshSchema, ...withNotFound },
        },
      },
      async (request) => segments.refresh(request.workspace.workspaceId, request.params.slug),
    );

    app.get(
      '/api/segments/:slug/members',
      {
        schema: {
          tags,
          summary: 'A page of the members as of the last refresh, by customer id',
          params: SegmentParamsSchema,
          querystring: PageQuerySchema,
          response: { 200: MembersPageSchema, ...withNotFound },
        },
      },
      async (request) => segments.members(request.workspace.workspaceId, request.params.slug, request.query),
    );

    app.get(
      '/api/segments/:slug/sizes',
      {
        schema: {
          tags,
          summary: 'The size over time: members, joins and leaves at each refresh',
          params: SegmentParamsSchema,
          response: { 200: SizeHistorySchema, ...withNotFound },
        },
      },
      async (request) => segments.sizes(request.workspace.workspaceId, request.params.slug),
    );

    app.get(
      '/api/segments/:slug/export.csv',
      {
        schema: {
          tags,
          summary:
            'Every member as CSV: customer_id, user_id, email, stage, joined_at (for ad tools and other systems)',
          params: SegmentParamsSchema,
          // A stream: Fastify sends it as it is, past the serializer.
          response: { 200: z.any().describe('CSV, one line per member after a header'), ...withNotFound },
        },
      },
      async (request, reply) => {
        const { slug } = request.params;
        await segments.get(request.workspace.workspaceId, slug);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${slug}.csv"`)
          .send(Readable.from(segments.exportCsv(request.workspace.workspaceId, slug)));
      },
    );

    app.get(
      '/api/segments/:slug/deliveries',
      {
        schema: {
          tags,
          summary: 'The webhook delivery log, the latest first: attempts, answers and errors',
          params: SegmentParamsSchema,
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
          response: { 200: z.object({ deliveries: z.array(DeliverySchema) }), ...withNotFound },
        },
      },
      async (request) => ({
        deliveries: await segments.deliveries(
          request.workspace.workspaceId,
          request.params.slug,
          request.query.limit,
        ),
      }),
    );

    app.post(
      '/api/segments/:slug/deliveries/:deliveryId/retry',
      {
        schema: {
          tags,
          summary: 'Sends a delivery that was given up on again, at once',
          params: SegmentParamsSchema.extend({ deliveryId: z.coerce.number().int().positive() }),
          response: { 204: z.null(), ...withNotFound },
        },
      },
      async (request, reply) => {
        const { slug, deliveryId } = request.params;
        await segments.retryDelivery(request.workspace.workspaceId, slug, deliveryId);
        return reply.status(204).send(null);
      },
    );
  };
}
