/**
 * Workspaces and their API keys. A key is shown once, when it is made; only its SHA-256 hash is kept,
 * which is enough for keys with 192 random bits (no password stretching needed).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { resetTaxonomy } from '../taxonomy/index.ts';
import type {
  ApiKey,
  ApiKeyKind,
  CreateApiKey,
  CreatedApiKey,
  CreateWorkspace,
  Workspace,
} from './workspace.schema.ts';
import * as store from './workspace.store.ts';

export const DEFAULT_WORKSPACE_SLUG = 'default';

const KEY_PREFIX: Record<ApiKeyKind, string> = { write: 'wk_', admin: 'sk_' };

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface WorkspaceServiceDeps {
  db: Database;
  clock: Clock;
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;

export function createWorkspaceService({ db, clock }: WorkspaceServiceDeps) {
  async function issueKey(
    tx: Parameters<typeof store.createApiKey>[0],
    workspaceId: number,
    input: CreateApiKey,
  ): Promise<CreatedApiKey> {
    const key = `${KEY_PREFIX[input.kind]}${randomBytes(24).toString('base64url')}`;
    const created = await store.createApiKey(tx, {
      keyId: `key_${randomBytes(6).toString('hex')}`,
      workspaceId,
      kind: input.kind,
      name: input.name ?? (input.kind === 'admin' ? 'admin' : 'tracking'),
      hash: hashApiKey(key),
      hint: key.slice(0, 8),
      createdAt: clock.now(),
    });
    return { ...created, key };
  }

  const found = new Map<string, Workspace>();

  return {
    /**
     * The workspace with this slug, created with the default taxonomy (and a first admin key, unless told
     * not to) if it does not exist yet; `adminKey` is that new key, or null when none was made.
     */
    async ensureWorkspace({
      slug = DEFAULT_WORKSPACE_SLUG,
      name = 'Default workspace',
      issueAdminKey = true,
    } = {}): Promise<{ workspace: Workspace; adminKey: CreatedApiKey | null }> {
      const existing = await store.findWorkspaceBySlug(db, slug);
      if (existing) return { workspace: existing, adminKey: null };
      return db.transaction(async (tx) => {
        const now = clock.now();
        const workspace = await store.createWorkspace(tx, { slug, name, createdAt: now });
        await resetTaxonomy(tx, workspace.workspaceId, now);
        const adminKey = issueAdminKey
          ? await issueKey(tx, workspace.workspaceId, { kind: 'admin', name: 'first admin key' })
          : null;
        return { workspace, adminKey };
      });
    },

    /**
     * The workspace with this slug, or null. Every console call asks it: a workspace once found is held, as no
     * workspace is renamed or removed, so that a call need not wait behind long reads for a database connection.
     */
    async findWorkspace(slug: string): Promise<Workspace | null> {
      const held = found.get(slug);
      if (held) return held;
      const workspace = await store.findWorkspaceBySlug(db, slug);
      if (workspace) found.set(slug, workspace);
      return workspace;
    },

    async getWorkspace(slug: string): Promise<Workspace> {
      const workspace = await store.findWorkspaceBySlug(db, slug);
      if (!workspace) {
        throw new AppError(
          'NOT_FOUND',
          `There is no workspace "${slug}". Leave out --workspace to use "default".`,
        );
      }
      return workspace;
    },

    /** Every workspace of the installation, oldest first. */
    listWorkspaces(): Promise<Workspace[]> {
      return store.listWorkspaces(db);
    },

    /**
     * A new, empty workspace with the default taxonomy and no API key: the console's users (installation-wide)
     * administer it, and make keys for it when they need them.
     */
    async createWorkspace(input: CreateWorkspace): Promise<Workspace> {
      return db.transaction(async (tx) => {
        if (await store.findWorkspaceBySlug(tx, input.slug)) {
          throw new AppError(
            'CONFLICT',
            `There is already a workspace "${input.slug}": choose another slug, or switch to that one.`,
          );
        }
        const now = clock.now();
        const workspace = await store.createWorkspace(tx, {
          slug: input.slug,
          name: input.name,
          createdAt: now,
        });
        await resetTaxonomy(tx, workspace.workspaceId, now);
        return workspace;
      });
    },

    async getWorkspaceById(workspaceId: number): Promise<Workspace> {
      const workspace = await store.findWorkspaceById(db, workspaceId);
      if (!workspace) throw new AppError('NOT_FOUND', `There is no workspace with id ${workspaceId}.`);
      return workspace;
    },

    createKey(workspaceId: number, input: CreateApiKey): Promise<CreatedApiKey> {
      return issueKey(db, workspaceId, input);
    },

    listKeys(workspaceId: number): Promise<ApiKey[]> {
      return store.listApiKeys(db, workspaceId);
    },

    /** Revokes a key; the last live admin key of a workspace is kept, so that someone can still administer it. */
    revokeKey(workspaceId: number, keyId: string): Promise<ApiKey> {
      return db.transaction(async (tx) => {
        const key = (await store.listApiKeys(tx, workspaceId)).find((candidate) => candidate.keyId === keyId);
        if (!key) {
          throw new AppError(
            'NOT_FOUND',
            `There is no key "${keyId}" in this workspace. List keys with \`agora keys list\`.`,
          );
        }
        if (
          key.kind === 'admin' &&
          key.revokedAt === null &&
          (await store.countLiveAdminKeys(tx, workspaceId)) === 1
        ) {
          throw new AppError(
            'CONFLICT',
            `Key ${keyId} is the workspace's last admin key. Create another with \`agora keys create --kind admin\` first.`,
          );
        }
        return (await store.revokeApiKey(tx, workspaceId, keyId, clock.now()))!;
      });
    },

    /** The live key a secret belongs to, with its workspace, or null. */
    async authenticate(secret: string): Promise<{ key: ApiKey; workspace: Workspace } | null> {
      const key = await store.findLiveApiKeyByHash(db, hashApiKey(secret));
      if (!key) return null;
      const workspace = await store.findWorkspaceById(db, key.workspaceId);
      return workspace ? { key, workspace } : null;
    },
  };
}
