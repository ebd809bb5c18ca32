/**
 * Turns every failure into `{ error: { code, message, details } }` with the status of its code.
 * Validation errors name the field path; unexpected errors are logged with the request id and never
 * shown to the caller beyond that id.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, ERROR_STATUS, type ErrorCode } from '../errors/app-error.ts';
import type { ErrorResponse } from './error.schema.ts';

/** Answers a request no route takes when it can (the console's pages); returns false to leave it a 404. */
export type NotFoundFallback = (request: FastifyRequest, reply: FastifyReply) => boolean;

export function registerErrorHandling(app: FastifyInstance, fallback?: NotFoundFallback): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const response = toErrorResponse(error, request);
    if (response.status >= 500) request.log.error({ err: error }, response.body.error.message);
    return reply.status(response.status).send(response.body);
  });
  app.setNotFoundHandler((request, reply) => {
    if (fallback?.(request, reply)) return reply;
    return sendError(
      reply,
      'NOT_FOUND',
      `There is no ${request.method} ${request.url.split('?')[0]}. The API is listed at /docs.`,
    );
  });
}

export function sendError(reply: FastifyReply, code: ErrorCode, message: string, details?: unknown) {
  const body: ErrorResponse = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  return reply.status(ERROR_STATUS[code]).send(body);
}

function toErrorResponse(
  error: FastifyError,
  request: FastifyRequest,
): { status: number; body: ErrorResponse } {
  if (error instanceof AppError) return respond(error.code, error.message, error.details);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const fields = error.validation.map((issue) => ({
      path: `${error.validationContext ?? 'request'}${issue.instancePath.replaceAll('/', '.')}`,
      message: issue.message ?? 'is invalid',
    }));
    const summary = fields.map((field) => `${field.path}: ${field.message}`).join('; ');
    return respond('INVALID_INPUT', `Invalid request: ${summary}.`, fields);
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return respond('PAYLOAD_TOO_LARGE', `${error.message}. Send a smaller body.`);
  if (status === 429) return respond('RATE_LIMITED', error.message);
  if (status >= 400 && status < 500) return respond('INVALID_INPUT', error.message);
  return respond(
    'INTERNAL',
    `Something went wrong inside Agora; it was logged with request id ${request.id}. Please report it.`,
  );
}

function respond(code: ErrorCode, message: string, details?: unknown) {
  return {
    status: ERROR_STATUS[code],
    body: { error: { code, message, ...(details === undefined ? {} : { details }) } },
  };
}
