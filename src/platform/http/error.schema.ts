import { z } from 'zod';

/** The one JSON shape of every error the API answers with. */
export const ErrorResponseSchema = z.object({
  error: z.object({
    code: z.string().describe('Stable UPPER_SNAKE code, e.g. INVALID_INPUT, NOT_FOUND, UNAUTHORIZED'),
    message: z.string().describe('What was wrong and how to fix it'),
    details: z.unknown().optional(),
  }),
});

export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;
