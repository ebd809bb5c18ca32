/**
 * Keeping, applying and re-applying a workspace's own touchpoint rules. Ingestion reads them through a
 * short cache: an edit applies at once in this process and within CACHE_MS in other instances. Stored
 * events keep the channel and device they were given until they are reclassified.
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { updateRows } from '../../platform/db/rows-sql.ts';
import { touchpointOf } from './normalize-message.ts';
import {
  type CompiledRules,
  compileRules,
  type TouchpointRules,
  TouchpointRulesSchema,
} from './touchpoint-rules.ts';

const CACHE_MS = 30_000;
const EVENTS_PER_ROUND = 5000;

export type TouchpointRulesService = ReturnType<typeof createTouchpointRulesService>;

export function createTouchpointRulesService(deps: { db: Database; clock: Clock }) {
  const { db } = deps;
  const cache = new Map<number, { rules: CompiledRules; loadedAt: number }>();

  async function load(workspaceId: number): Promise<TouchpointRules & { updatedAt: Date | null }> {
    const [row] = await db.query<{ channel_rules: unknown; device_rules: unknown; updated_at: Date }>(
      'SELECT channel_rules, device_rules, updated_at FROM touchpoint_rules WHERE workspace_id = $1',
      [workspaceId],
    );
    if (!row) return { channel: [], device: [], updatedAt: null };
    const rules = TouchpointRulesSchema.parse({ channel: row.channel_rules, device: row.device_rules });
    return { ...rules, updatedAt: row.updated_at };
  }

  return {
    get: load,

    async set(workspaceId: number, rules: TouchpointRules) {
      const now = deps.clock.now();
      await db.query(
        `INSERT INTO touchpoint_rules (workspace_id, channel_rules, device_rules, updated_at)
         VALUES ($1, CAST($2 AS JSON), CAST($3 AS JSON), $4)
         ON CONFLICT (workspace_id) DO UPDATE SET channel_rules = excluded.channel_rules,
           device_rules = excluded.device_rules, updated_at = excluded.updated_at`,
        [workspaceId, JSON.stringify(rules.channel), JSON.stringify(rules.device), now],
      );
      cache.set(workspaceId, { rules: compileRules(rules), loadedAt: Date.now() });
      return { ...rules, updatedAt: now };
    },

    /** The rules ingestion applies, compiled. */
    async compiledFor(workspaceId: number): Promise<CompiledRules> {
      const cached = cache.get(workspaceId);
      if (cached && Date.now() - cached.loadedAt < CACHE_MS) return cached.rules;
      const rules = compileRules(await load(workspaceId));
      cache.set(workspaceId, { rules, loadedAt: Date.now() });
      return rules;
    },

    /**
     * Applies the current rules (the workspace's, then the built-in ones) to the stored events that occurred
     * in [from, to), from what each event carries, and updates those whose touchpoint changes.
     */
    async reclassify(workspaceId: number, range: { from?: Date | undefined; to?: Date | undefined }) {
      const rules = compileRules(await load(workspaceId));
      cache.set(workspaceId, { rules, loadedAt: Date.now() });
      let after: { occurredAt: Date; messageId: string } | null = null;
      let events = 0;
      let changed = 0;
      for (;;) {
        const rows = await readEvents(db, workspaceId, range, after);
        if (rows.length === 0) break;
        events += rows.length;
        const updates = rows.flatMap((row) => changedTouchpoint(row, rules));
        await updateTouchpoints(db, workspaceId, updates);
        changed += updates.length;
        const last = rows.at(-1)!;
        after = { occurredAt: last.occurred_at, messageId: last.message_id };
      }
      return { events, changed };
    },
  };
}

interface StoredTouchpoint {
  message_id: string;
  occurred_at: Date;
  context: Record<string, unknown> | null;
  properties: Record<string, unknown> | null;
  channel: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  device: string | null;
}

/** The next events in (occurred_at, message_id) order: keyset paging, so each read starts where the last ended. */
function readEvents(
  db: Database,
  workspaceId: number,
  range: { from?: Date | undefined; to?: Date | undefined },
  after: { occurredAt: Date; messageId: string } | null,
): Promise<StoredTouchpoint[]> {
  const params: unknown[] = [workspaceId];
  const conditions = ['workspace_id = $1'];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (range.from) conditions.push(`occurred_at >= ${param(range.from)}`);
  if (range.to) conditions.push(`occurred_at < ${param(range.to)}`);
  if (after) {
    const at = param(after.occurredAt);
    conditions.push(
      `(occurred_at > ${at} OR (occurred_at = ${at} AND message_id > ${param(after.messageId)}))`,
    );
  }
  return db.query<StoredTouchpoint>(
    `SELECT message_id, occurred_at, context, properties, channel, source, medium, campaign, device FROM events
      WHERE ${conditions.join(' AND ')} ORDER BY occurred_at, message_id LIMIT ${param(EVENTS_PER_ROUND)}`,
    params,
  );
}

function changedTouchpoint(row: StoredTouchpoint, rules: CompiledRules): unknown[][] {
  const now = touchpointOf(row.context ?? {}, row.properties ?? {}, rules);
  const same =
    now.channel === row.channel &&
    now.source === row.source &&
    now.medium === row.medium &&
    now.campaign === row.campaign &&
    now.device === row.device;
  return same ? [] : [[row.message_id, now.channel, now.source, now.medium, now.campaign, now.device]];
}

function updateTouchpoints(db: Database, workspaceId: number, updates: unknown[][]): Promise<void> {
  return updateRows(
    db,
    workspaceId,
    {
      table: 'events',
      columns: ['message_id', 'channel', 'source', 'medium', 'campaign', 'device'].map((name) => [
        name,
        'TEXT',
      ]),
      set: `channel = changed.channel, source = changed.source, medium = changed.medium,
            campaign = changed.campaign, device = changed.device`,
      match: 'events.message_id = changed.message_id',
    },
    updates,
  );
}
