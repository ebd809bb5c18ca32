/**
 * Accounts, products and content from an import: inserted, or updated where the id is known already, so
 * that importing the same file again changes nothing. The fields a kind does not know are kept as its
 * traits (accounts) or attributes (products, content).
 */
import type { Queryable } from '../../platform/db/database.ts';
import { insertRows } from '../../platform/db/rows-sql.ts';
import type { AccountRow, ContentRow, CostRow, ProductRow } from './import-kinds.ts';

/** The last row of each id, as the engines refuse (or half-apply) an upsert naming a key twice. */
function lastOfEach<T>(rows: readonly T[], idOf: (row: T) => string): T[] {
  return [...new Map(rows.map((row) => [idOf(row), row])).values()];
}

/** An account's traits gain the row's fields; traits the row does not mention stay. */
export async function upsertAccounts(
  tx: Queryable,
  workspaceId: number,
  input: readonly AccountRow[],
  now: Date,
): Promise<void> {
  const rows = lastOfEach(input, (row) => row.account_id);
  const known = await tx.query<{ account_id: number; external_id: string; traits: Record<string, unknown> }>(
    `SELECT account_id, external_id, traits FROM accounts
      WHERE workspace_id = $1 AND external_id = ANY(CAST($2 AS TEXT[]))`,
    [workspaceId, rows.map((row) => row.account_id)],
  );
  const byExternalId = new Map(known.map((account) => [account.external_id, account]));
  const newIds = await tx.query<{ id: number }>(
    "SELECT nextval('account_id_seq') AS id FROM generate_series(1, $1) AS t(g)",
    [rows.length - known.length],
  );
  await insertRows(
    tx,
    'INSERT INTO accounts (workspace_id, account_id, external_id, name, traits, created_at, updated_at)',
    `ON CONFLICT (workspace_id, account_id) DO UPDATE SET name = coalesce(excluded.name, accounts.name),
       traits = excluded.traits, updated_at = excluded.updated_at`,
    rows.map((row) => {
      const { account_id: externalId, name, ...traits } = row;
      const account = byExternalId.get(externalId);
      return [
        workspaceId,
        account?.account_id ?? newIds.pop()!.id,
        externalId,
        name ?? null,
        JSON.stringify({ ...(account?.traits ?? {}), ...traits }),
        now,
        now,
      ];
    }),
  );
}

export async function upsertProducts(
  tx: Queryable,
  workspaceId: number,
  input: readonly ProductRow[],
  now: Date,
): Promise<void> {
  await insertRows(
    tx,
    'INSERT INTO products (workspace_id, product_id, name, category, price, currency, attributes, created_at, updated_at)',
    `ON CONFLICT (workspace_id, product_id) DO UPDATE SET name = excluded.name, category = excluded.category,
       price = excluded.price, currency = excluded.currency, attributes = excluded.attributes,
       updated_at = excluded.updated_at`,
    lastOfEach(input, (row) => row.product_id).map((row) => {
      const { product_id, name, category, price, currency, ...attributes } = row;
      return [
        workspaceId,
        product_id,
        name,
        category ?? null,
        price ?? null,
        currency,
        JSON.stringify(attributes),
        now,
        now,
      ];
    }),
  );
}

export async function upsertContent(
  tx: Queryable,
  workspaceId: number,
  input: readonly ContentRow[],
  now: Date,
): Promise<void> {
  await insertRows(
    tx,
    `INSERT INTO content_items (workspace_id, content_id, title, format, url, persona_tags, stage_tags, attributes,
       published_at, created_at, updated_at)`,
    `ON CONFLICT (workspace_id, content_id) DO UPDATE SET title = excluded.title, format = excluded.format,
       url = excluded.url, persona_tags = excluded.persona_tags, stage_tags = excluded.stage_tags,
       attributes = excluded.attributes, published_at = excluded.published_at, updated_at = excluded.updated_at`,
    lastOfEach(input, (row) => row.content_id).map((row) => {
      const { content_id, title, format, url, persona_tags, stage_tags, published_at, ...attributes } = row;
      return [
        workspaceId,
        content_id,
        title,
        format,
        url ?? null,
        persona_tags,
        stage_tags,
        JSON.stringify(attributes),
        published_at ?? null,
        now,
        now,
      ];
    }),
  );
}

/** Marketing costs: a line for the same objective, channel, campaign and start replaces the earlier one. */
export async function upsertCosts(
  tx: Queryable,
  workspaceId: number,
  input: readonly CostRow[],
  now: Date,
): Promise<void> {
  const keyOf = (row: CostRow) =>
    `${row.objective}|${row.channel}|${row.campaign ?? ''}|${row.from!.toISOString()}`;
  await insertRows(
    tx,
    `INSERT INTO marketing_costs (workspace_id, objective, channel, campaign, period_start, period_end, amount,
       currency, updated_at)`,
    `ON CONFLICT (workspace_id, objective, channel, campaign, period_start) DO UPDATE SET
       period_end = excluded.period_end, amount = excluded.amount, currency = excluded.currency,
       updated_at = excluded.updated_at`,
    lastOfEach(input, keyOf).map((row) => [
      workspaceId,
      row.objective,
      row.channel,
      row.campaign ?? '',
      row.from,
      row.to,
      row.amount,
      row.currency,
      now,
    ]),
  );
}
