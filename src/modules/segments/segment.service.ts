/** Segments: rule trees evaluated on the spot, and saved segments kept up to date with their members. */
import { type Clock, systemClock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError, messageOf } from '../../platform/errors/app-error.ts';
import { refuseUnknownEvents } from '../funnels/index.ts';
import type { LifecycleService } from '../lifecycle/index.ts';
import { invalidRules, parseSegmentRules, type RuleFault } from './parse-segment-rules.ts';
import type {
  Delivery,
  EvaluateBody,
  Evaluation,
  MembersPage,
  PageQuery,
  Rule,
  Segment,
  SegmentInput,
  SegmentRefresh,
  SizeHistory,
} from './segment.schema.ts';
import {
  deleteSegment,
  describeMembers,
  findSegment,
  listDeliveries,
  listSegments,
  querySizeHistory,
  queryStoredMembers,
  streamStoredMembers,
  upsertSegment,
} from './segment.store.ts';
import { buildSegmentMembersSql, type SegmentClock } from './segment-members.query.ts';
import { refreshSegmentMembers } from './segment-refresh.ts';
import { checkWebhookUrl } from './segment-webhooks.ts';

const DAY = 86_400_000;

export interface SegmentDeps {
  db: Database;
  lifecycle: LifecycleService;
  clock?: Clock;
  config: { allowPrivateWebhooks: boolean };
}

export function createSegmentService(deps: SegmentDeps) {
  const { db, lifecycle, clock = systemClock } = deps;

  /**
   * The time rules are evaluated at: by default the start of the day after the latest activity (so that
   * "the last 7 days" are the data's last 7 whole days), never later than now. Lapsed follows the
   * lifecycle's rule from the latest activity, as the lifecycle report counts it.
   */
  async function clockFor(workspaceId: number, asOf: Date | undefined): Promise<SegmentClock> {
    const state = await lifecycle.ensureRefreshed(workspaceId);
    const [row] = await db.query<{ latest: Date | null }>(
      'SELECT max(last_seen_at) AS latest FROM customer_lifecycle WHERE workspace_id = $1',
      [workspaceId],
    );
    const now = clock.now();
    const latest = row?.latest && row.latest < now ? row.latest : now;
    const dayAfter = new Date(Math.floor(latest.getTime() / DAY) * DAY + DAY);
    const at = asOf ?? (dayAfter < now ? dayAfter : now);
    return { asOf: at, lapsedBefore: new Date((asOf ?? latest).getTime() - state.lapsed_after_days * DAY) };
  }

  /**
   * Reads a rule tree and replaces each `{"segment": slug}` with that segment's rules, refusing unknown
   * slugs, a segment that reaches itself, and event names the workspace has never received.
   */
  async function resolveRules(workspaceId: number, input: unknown, ownSlug?: string): Promise<Rule> {
    const faults: RuleFault[] = [];
    const events: { name: string; field: string }[] = [];
    const traits: { name: string; field: string }[] = [];
    /** Paths of the rules that read stored customer values. */
    const valued: string[] = [];
    // Inside a referenced segment, faults are reported at the reference that brought it in.
    const resolve = async (rule: Rule, path: string, chain: string[], origin?: string): Promise<Rule> => {
      const at = (suffix: string) => origin ?? `${path}${suffix}`;
      const inner = (child: Rule, suffix: string) => resolve(child, `${path}${suffix}`, chain, origin);
      if ('all' in rule) return { all: await Promise.all(rule.all.map((r, i) => inner(r, `.all[${i}]`))) };
      if ('any' in rule) return { any: await Promise.all(rule.any.map((r, i) => inner(r, `.any[${i}]`))) };
      if ('not' in rule) return { not: await inner(rule.not, '.not') };
      if ('trait' in rule) traits.push({ name: rule.trait, field: at('.trait') });
      if ('clv' in rule) valued.push(at('.clv'));
      if ('probabilityAlive' in rule) valued.push(at('.probabilityAlive'));
      if ('event' in rule) {
        events.push({ name: rule.event, field: at('.event') });
        if (rule.followedBy) events.push({ name: rule.followedBy.event, field: at('.followedBy.event') });
        if (rule.notFollowedBy)
          events.push({ name: rule.notFollowedBy.event, field: at('.notFollowedBy.event') });
      }
      if (!('segment' in rule)) return rule;
      if (chain.includes(rule.segment)) {
        faults.push({
          path: at('.segment'),
          message: `makes a cycle: ${[...chain, rule.segment].join(' → ')}`,
        });
        return rule;
      }
      const referenced = await findSegment(db, workspaceId, rule.segment);
      if (!referenced) {
        const message = `no saved segment is named "${rule.segment}"; see GET /api/segments`;
        faults.push({ path: at('.segment'), message });
        return rule;
      }
      return resolve(parseSegmentRules(referenced.rules), path, [...chain, rule.segment], at('.segment'));
    };
    const rule = await resolve(parseSegmentRules(input), 'rules', ownSlug ? [ownSlug] : []);
    faults.push(...(await unknownTraits(workspaceId, traits)));
    if (valued.length > 0 && !(await hasValuation(workspaceId)))
      faults.push(
        ...valued.map((path) => ({
          path,
          message:
            'no customer has been valued yet in this workspace: run `agora value valuate` (or POST /api/value/valuations) first',
        })),
      );
    if (faults.length > 0) throw invalidRules(faults);
    await refuseUnknownEvents(db, workspaceId, events);
    return rule;
  }

  async function hasValuation(workspaceId: number): Promise<boolean> {
    const rows = await db.query('SELECT 1 AS valued FROM customer_values WHERE workspace_id = $1 LIMIT 1', [
      workspaceId,
    ]);
    return rows.length > 0;
  }

  /** A trait no customer was ever given is a typo far more often than a question meant to select no one. */
  async function unknownTraits(
    workspaceId: number,
    named: { name: string; field: string }[],
  ): Promise<RuleFault[]> {
    if (named.length === 0) return [];
    const rows = await db.query<{ trait: string }>(
      'SELECT DISTINCT trait FROM trait_history WHERE workspace_id = $1 ORDER BY trait',
      [workspaceId],
    );
    const known = rows.map((row) => row.trait);
    return named
      .filter(({ name }) => !known.includes(name))
      .map(({ name, field }) => ({
        path: field,
        message: `no customer has a trait named "${name}"; the traits customers have are ${known.slice(0, 20).join(', ') || 'none yet'}`,
      }));
  }

  async function getSegment(workspaceId: number, slug: string): Promise<Segment> {
    const segment = await findSegment(db, workspaceId, slug);
    if (!segment)
      throw new AppError('NOT_FOUND', `No segment is named "${slug}". GET /api/segments lists them.`);
    return segment;
  }

  async function refresh(workspaceId: number, segment: Segment, at?: SegmentClock): Promise<SegmentRefresh> {
    const started = performance.now();
    const rule = await resolveRules(workspaceId, segment.rules, segment.slug);
    const params: unknown[] = [workspaceId];
    const sql = buildSegmentMembersSql(rule, at ?? (await clockFor(workspaceId, undefined)), params);
    const now = clock.now();
    const result = await db.transaction((tx) =>
      refreshSegmentMembers(tx, { workspaceId, ...segment }, { sql, params }, now),
    );
    return { slug: segment.slug, ...result, seconds: (performance.now() - started) / 1000 };
  }

  return {
    /** The members a rule tree selects now: how many, and a page of them. */
    async evaluate(workspaceId: number, body: EvaluateBody): Promise<Evaluation> {
      const started = performance.now();
      const rule = await resolveRules(workspaceId, body.rules);
      const segmentClock = await clockFor(workspaceId, body.asOf);
      const params: unknown[] = [workspaceId];
      const sql = buildSegmentMembersSql(rule, segmentClock, params);
      const limit = `$${params.push(body.limit)}`;
      const offset = `$${params.push(body.offset)}`;
      const rows = await db.query<{ customer_id: number; size: number }>(
        // Not count(*) OVER () beside ORDER BY … LIMIT: DuckDB fails that now and then with an internal
        // error (duckdb/duckdb#22352); a scalar count over the same CTE does not.
        `WITH members AS (${sql})
         SELECT customer_id, (SELECT count(*) FROM members) AS size FROM members
         ORDER BY customer_id LIMIT ${limit} OFFSET ${offset}`,
        params,
      );
      const size =
        rows.length > 0
          ? Number(rows[0]!.size)
          : await countPastTheEnd(sql, params.slice(0, -2), body.offset);
      const described = await describeMembers(
        db,
        workspaceId,
        rows.map((row) => row.customer_id),
      );
      return {
        asOf: segmentClock.asOf,
        size,
        members: rows.map((row) => described.get(row.customer_id)!),
        seconds: (performance.now() - started) / 1000,
      };
    },

    list: (workspaceId: number) => listSegments(db, workspaceId),
    get: getSegment,

    /** Saves a segment (new, or a new definition for the slug) and refreshes its members. */
    async save(workspaceId: number, slug: string, input: SegmentInput): Promise<Segment> {
      await resolveRules(workspaceId, input.rules, slug);
      const webhookUrl = input.webhookUrl
        ? await checkWebhookUrl(input.webhookUrl, deps.config.allowPrivateWebhooks)
        : null;
      const segment = await upsertSegment(db, workspaceId, slug, { ...input, webhookUrl }, clock.now());
      await refresh(workspaceId, segment);
      return getSegment(workspaceId, segment.slug);
    },

    async remove(workspaceId: number, slug: string): Promise<void> {
      const segment = await getSegment(workspaceId, slug);
      const dependants = (await listSegments(db, workspaceId)).filter((other) =>
        JSON.stringify(other.rules).includes(`"segment":"${slug}"`),
      );
      if (dependants.length > 0)
        throw new AppError(
          'CONFLICT',
          `Segment "${slug}" is used by ${dependants.map((other) => `"${other.slug}"`).join(', ')}; change those first.`,
        );
      await db.transaction((tx) => deleteSegment(tx, workspaceId, segment.segmentId));
    },

    async refresh(workspaceId: number, slug: string): Promise<SegmentRefresh> {
      return refresh(workspaceId, await getSegment(workspaceId, slug));
    },

    /** Refreshes every segment when the data changed, else those whose schedule has come round. */
    async refreshDue(workspaceId: number, dataChanged: boolean): Promise<SegmentRefresh[]> {
      const now = clock.now().getTime();
      const due = (await listSegments(db, workspaceId)).filter(
        (segment) =>
          dataChanged ||
          !segment.refreshedAt ||
          segment.refreshedAt.getTime() + segment.refreshMinutes * 60_000 <= now,
      );
      // One segment that cannot refresh (its rules name an event since renamed, say) holds up no other.
      const results: SegmentRefresh[] = [];
      const failures: string[] = [];
      const at = due.length > 0 ? await clockFor(workspaceId, undefined) : undefined;
      for (const segment of due) {
        try {
          results.push(await refresh(workspaceId, segment, at));
        } catch (error) {
          failures.push(`${segment.slug}: ${messageOf(error)}`);
        }
      }
      if (failures.length > 0)
        throw new AppError('INTERNAL', `Segments not refreshed: ${failures.join('; ')}`);
      return results;
    },

    async members(workspaceId: number, slug: string, page: PageQuery): Promise<MembersPage> {
      const segment = await getSegment(workspaceId, slug);
      const rows = await queryStoredMembers(db, workspaceId, segment.segmentId, page);
      const described = await describeMembers(
        db,
        workspaceId,
        rows.map((row) => row.customerId),
      );
      return {
        size: segment.members ?? 0,
        refreshedAt: segment.refreshedAt,
        members: rows.map((row) => ({ ...described.get(row.customerId)!, joinedAt: row.joinedAt })),
      };
    },

    async sizes(workspaceId: number, slug: string): Promise<SizeHistory> {
      return querySizeHistory(db, workspaceId, (await getSegment(workspaceId, slug)).segmentId);
    },

    async deliveries(workspaceId: number, slug: string, limit: number): Promise<Delivery[]> {
      return listDeliveries(db, workspaceId, (await getSegment(workspaceId, slug)).segmentId, limit);
    },

    /** Puts a failed delivery back in the queue, to go out at once. */
    async retryDelivery(workspaceId: number, slug: string, deliveryId: number): Promise<void> {
      const segment = await getSegment(workspaceId, slug);
      const rows = await db.query(
        `UPDATE segment_deliveries SET status = 'pending', next_attempt_at = $4
         WHERE workspace_id = $1 AND segment_id = $2 AND delivery_id = $3 AND status = 'failed' RETURNING delivery_id`,
        [workspaceId, segment.segmentId, deliveryId, clock.now()],
      );
      if (rows.length === 0)
        throw new AppError('NOT_FOUND', `Segment "${slug}" has no failed delivery ${deliveryId} to retry.`);
    },

    /** The members as CSV lines (a header, then customer id, user id, email, stage, joined at). */
    async *exportCsv(workspaceId: number, slug: string): AsyncGenerator<string> {
      const segment = await getSegment(workspaceId, slug);
      yield 'customer_id,user_id,email,stage,joined_at\n';
      for await (const rows of streamStoredMembers(db, workspaceId, segment.segmentId)) {
        const described = await describeMembers(
          db,
          workspaceId,
          rows.map((row) => row.customerId),
        );
        const lines = rows.map(({ customerId, joinedAt }) => {
          const member = described.get(customerId);
          return [customerId, member?.userId, member?.email, member?.stage, joinedAt.toISOString()]
            .map(csvField)
            .join(',');
        });
        yield `${lines.join('\n')}\n`;
      }
    },
  };

  async function countPastTheEnd(sql: string, params: unknown[], offset: number): Promise<number> {
    if (offset === 0) return 0;
    const [row] = await db.query<{ size: number }>(
      `SELECT count(*) AS size FROM (${sql}) AS members`,
      params,
    );
    return Number(row!.size);
  }
}

export type SegmentService = ReturnType<typeof createSegmentService>;

/** A CSV field, quoted when it holds a comma, quote or line break. */
const csvField = (value: string | number | null | undefined) => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
