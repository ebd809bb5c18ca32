// People who sign in to the console: roles, passwords, sessions with CSRF tokens.
export { signInRoutes, userRoutes } from './users.routes.ts';
export * from './users.schema.ts';
export { createUserService, FIRST_ADMIN_EMAIL, type UserService } from './users.service.ts';
