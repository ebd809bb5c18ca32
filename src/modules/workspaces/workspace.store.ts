import type { Queryable } from '../../platform/db/database.ts';
import type { ApiKey, ApiKeyKind, Workspace } from './workspace.schema.ts';

interface WorkspaceRow {
  workspace_id: number;
  slug: string;
  name: string;
  created_at: Date;
}

interface ApiKeyRow {
  key_id: string;
  workspace_id: number;
  kind: ApiKeyKind;
  name: string;
  key_hint: string;
  created_at: Date;
  revoked_at: Date | null;
}

const KEY_COLUMNS = 'key_id, workspace_id, kind, name, key_hint, created_at, revoked_at';

function toWorkspace(row: WorkspaceRow): Workspace {
  return { workspaceId: row.workspace_id, slug: row.slug, name: row.name, createdAt: row.created_at };
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    keyId: row.key_id,
    kind: row.kind,
    name: row.name,
    hint: row.key_hint,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export async function createWorkspace(
  db: Queryable,
  workspace: { slug: string; name: string; createdAt: Date },
): Promise<Workspace> {
  const [row] = await db.query<WorkspaceRow>(
    `INSERT INTO workspaces (slug, name, created_at) VALUES ($1, $2, $3)
     RETURNING workspace_id, slug, name, created_at`,
    [workspace.slug, workspace.name, workspace.createdAt],
  );
  return toWorkspace(row!);
}

export async function listWorkspaces(db: Queryable): Promise<Workspace[]> {
  const rows = await db.query<WorkspaceRow>(
    'SELECT workspace_id, slug, name, created_at FROM workspaces ORDER BY workspace_id',
  );
  return rows.map(toWorkspace);
}

export async function findWorkspaceBySlug(db: Queryable, slug: string): Promise<Workspace | null> {
  const [row] = await db.query<WorkspaceRow>(
    'SELECT workspace_id, slug, name, created_at FROM workspaces WHERE slug = $1',
    [slug],
  );
  return row ? toWorkspace(row) : null;
}

export async function findWorkspaceById(db: Queryable, workspaceId: number): Promise<Workspace | null> {
  const [row] = await db.query<WorkspaceRow>(
    'SELECT workspace_id, slug, name, created_at FROM workspaces WHERE workspace_id = $1',
    [workspaceId],
  );
  return row ? toWorkspace(row) : null;
}

export async function createApiKey(
  db: Queryable,
  key: {
    keyId: string;
    workspaceId: number;
    kind: ApiKeyKind;
    name: string;
    hash: string;
    hint: string;
    createdAt: Date;
  },
): Promise<ApiKey> {
  const [row] = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (key_id, workspace_id, kind, name, key_hash, key_hint, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${KEY_COLUMNS}`,
    [key.keyId, key.workspaceId, key.kind, key.name, key.hash, key.hint, key.createdAt],
  );
  return toApiKey(row!);
}

export async function listApiKeys(db: Queryable, workspaceId: number): Promise<ApiKey[]> {
  const rows = await db.query<ApiKeyRow>(
    `SELECT ${KEY_COLUMNS} FROM api_keys WHERE workspace_id = $1 ORDER BY created_at, key_id`,
    [workspaceId],
  );
  return rows.map(toApiKey);
}

/** The live (not revoked) key with this hash, and its workspace id. */
export async function findLiveApiKeyByHash(
  db: Queryable,
  hash: string,
): Promise<(ApiKey & { workspaceId: number }) | null> {
  const [row] = await db.query<ApiKeyRow>(
    `SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
    [hash],
  );
  return row ? { ...toApiKey(row), workspaceId: row.workspace_id } : null;
}

/** Marks a key revoked (once: revoking again keeps the first time). Null when the workspace has no such key. */
export async function revokeApiKey(
  db: Queryable,
  workspaceId: number,
  keyId: string,
  revokedAt: Date,
): Promise<ApiKey | null> {
  const [row] = await db.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3)
      WHERE workspace_id = $1 AND key_id = $2 RETURNING ${KEY_COLUMNS}`,
    [workspaceId, keyId, revokedAt],
  );
  return row ? toApiKey(row) : null;
}

export async function countLiveAdminKeys(db: Queryable, workspaceId: number): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*) AS n FROM api_keys WHERE workspace_id = $1 AND kind = 'admin' AND revoked_at IS NULL`,
    [workspaceId],
  );
  return row!.n;
}
