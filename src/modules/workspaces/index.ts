// Workspaces and their API keys: write keys for tracking, secret admin keys for the admin API,
// and the request hook that authenticates admin calls.
export { CSRF_HEADER, createAdminAuth, SESSION_COOKIE, WORKSPACE_HEADER } from './admin-auth.ts';
export { keyCommands, localWorkspace } from './api-key.commands.ts';
export { apiKeyRoutes } from './api-key.routes.ts';
export { workspaceRoutes } from './workspace.routes.ts';
export * from './workspace.schema.ts';
export {
  createWorkspaceService,
  DEFAULT_WORKSPACE_SLUG,
  hashApiKey,
  type WorkspaceService,
} from './workspace.service.ts';
