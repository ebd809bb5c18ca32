import { z } from 'zod';

export const ApiKeyKindSchema = z
  .enum(['write', 'admin'])
  .describe(
    'write: sends tracking data (may be public, e.g. in a browser); admin: secret, for the admin API',
  );

export const CreateApiKeySchema = z.object({
  kind: ApiKeyKindSchema,
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('What the key is for, e.g. "website" or "CRM sync"'),
});

export const ApiKeySchema = z.object({
  keyId: z.string().describe('Public id of the key, used to revoke it'),
  kind: ApiKeyKindSchema,
  name: z.string(),
  hint: z.string().describe('The first characters of the key, to recognise it'),
  createdAt: z.date(),
  revokedAt: z.date().nullable(),
});

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().describe('The key itself. It is shown only now: Agora keeps a hash of it.'),
});

export const ApiKeyListSchema = z.object({ keys: z.array(ApiKeySchema) });

export const KeyIdParamsSchema = z.object({ keyId: z.string().min(1) });

export const WorkspaceSlugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes, e.g. "acme"');

export type ApiKeyKind = z.infer<typeof ApiKeyKindSchema>;
export type CreateApiKey = z.infer<typeof CreateApiKeySchema>;
export type ApiKey = z.infer<typeof ApiKeySchema>;
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

export interface Workspace {
  workspaceId: number;
  slug: string;
  name: string;
  createdAt: Date;
}

export const WorkspaceSchema = z.object({
  workspaceId: z.number(),
  slug: z.string().describe('What `X-Agora-Workspace` and `--workspace` name it by'),
  name: z.string(),
  createdAt: z.date(),
});

export const WorkspaceListSchema = z.object({ workspaces: z.array(WorkspaceSchema) });

export const CreateWorkspaceSchema = z.object({
  slug: WorkspaceSlugSchema.describe('How requests name the workspace (X-Agora-Workspace), e.g. "acme"'),
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(100, 'must be at most 100 characters')
    .describe('What people call it, e.g. "Acme Ltd"'),
});
export type CreateWorkspace = z.infer<typeof CreateWorkspaceSchema>;
