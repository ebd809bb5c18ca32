/**
 * The console's sign-in: `POST /api/session` (public) sets an HTTP-only session cookie and answers the CSRF
 * token; the other routes sit behind the admin API's authentication (admin-auth.ts), which reads the cookie.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../platform/errors/app-error.ts';
import { ErrorResponseSchema } from '../../platform/http/error.schema.ts';
import { SESSION_COOKIE } from '../workspaces/index.ts';
import {
  ChangePasswordSchema,
  CreatedUserSchema,
  CreateUserSchema,
  SessionSchema,
  SignInSchema,
  UserSchema,
} from './users.schema.ts';
import type { UserService } from './users.service.ts';

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema };
const tags = ['console sign-in'];

/** Public: the credentials are the authentication. */
export function signInRoutes(users: UserService): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/session',
      {
        schema: {
          tags,
          summary:
            'Signs in to the console: sets the session cookie and answers the CSRF token changes must carry',
          body: SignInSchema,
          response: { 200: SessionSchema, ...errors, 429: ErrorResponseSchema },
        },
      },
      async (request, reply) => {
        const { token, ...session } = await users.signIn(request.body.email, request.body.password);
        reply.setCookie(SESSION_COOKIE, token, {
          httpOnly: true,
          sameSite: 'strict',
          secure: request.protocol === 'https',
          path: '/',
          expires: session.expiresAt,
        });
        return session;
      },
    );
  };
}

/** Behind the admin API's authentication. */
export function userRoutes(users: UserService): FastifyPluginAsyncZod {
  return async (app) => {
    const signedIn = (request: FastifyRequest) => {
      if (!request.user || !request.session)
        throw new AppError('INVALID_INPUT', 'This request came with an API key, not a console session.');
      return { user: request.user, ...request.session };
    };
    const cookieOf = (request: { cookies: Record<string, string | undefined> }) =>
      request.cookies[SESSION_COOKIE]!;

    app.get(
      '/api/session',
      {
        schema: {
          tags,
          summary: 'Who is signed in, until when, and the CSRF token',
          response: { 200: SessionSchema, ...errors },
        },
        config: { ownAccount: true },
      },
      // The session was read when the request was authenticated (workspaces/admin-auth.ts).
      async (request) => signedIn(request),
    );

    app.delete(
      '/api/session',
      {
        config: { ownAccount: true },
        schema: { tags, summary: 'Signs out', response: { 204: z.null(), ...errors } },
      },
      async (request, reply) => {
        signedIn(request);
        await users.signOut(cookieOf(request));
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.status(204).send(null);
      },
    );

    app.put(
      '/api/session/password',
      {
        config: { ownAccount: true },
        schema: {
          tags,
          summary: 'Changes the signed-in user’s password (their other sessions end)',
          body: ChangePasswordSchema,
          response: { 204: z.null(), ...errors },
        },
      },
      async (request, reply) => {
        const { userId } = signedIn(request).user;
        await users.changePassword(
          userId,
          cookieOf(request),
          request.body.currentPassword,
          request.body.newPassword,
        );
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/users',
      {
        schema: {
          tags,
          summary: 'The console’s users and their roles',
          response: { 200: z.object({ users: z.array(UserSchema) }), ...errors },
        },
      },
      async () => ({ users: await users.users() }),
    );

    app.post(
      '/api/users',
      {
        schema: {
          tags,
          summary: 'Adds a user (admin or analyst) with a generated password, shown this once',
          body: CreateUserSchema,
          response: { 200: CreatedUserSchema, ...errors, 409: ErrorResponseSchema },
        },
      },
      async (request) => users.createUser(request.body.email, request.body.role),
    );

    app.delete(
      '/api/users/:userId',
      {
        schema: {
          tags,
          summary: 'Removes a user (not the last admin)',
          params: z.object({ userId: z.coerce.number().int().positive() }),
          response: { 204: z.null(), ...errors, 404: ErrorResponseSchema, 409: ErrorResponseSchema },
        },
      },
      async (request, reply) => {
        await users.removeUser(request.params.userId);
        return reply.status(204).send(null);
      },
    );
  };
}
