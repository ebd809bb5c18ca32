/**
 * Segments on a loaded demo world (issue 8): evaluating a 6-rule segment with event windows, next to the
 * same selection written by hand in SQL (the limit); saving 20 segments (their first refresh: every member
 * joins); refreshing the 20 again, as `agora serve` does when new events arrive. Medians of five runs after
 * a warm-up.
 *
 *   npx agora demo --customers 500000 --no-serve --data-dir /tmp/big500
 *   npm run bench:segments -- --data-dir /tmp/big500
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { closeDeps, createDeps } from '../src/deps.ts';
import { createLifecycleService } from '../src/modules/lifecycle/index.ts';
import {
  createSegmentService,
  EvaluateBodySchema,
  SegmentInputSchema,
} from '../src/modules/segments/index.ts';
import { median as medianOf } from './timing.ts';

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string' }, runs: { type: 'string', default: '5' } },
});
const RUNS = Number(values.runs);
const median = (work: () => Promise<unknown>) => medianOf(work, RUNS);
const DAY = 86_400_000;

/** Read two guides in 30 days without buying, added to a cart in 90, mid-funnel or recently bought, reachable by email. */
const SIX_RULES = {
  all: [
    { event: 'Content Viewed', within: '30d', count: { op: 'gte', value: 2 } },
    { not: { event: 'Order Completed', within: '30d' } },
    { event: 'Product Added', within: '90d' },
    { any: [{ stage: ['consideration', 'preference'] }, { reachedStage: 'action', within: '180d' }] },
    { identity: 'email' },
  ],
};

/** The same selection by hand: semi- and anti-joins on the events, counted. */
function handWritten(workspaceId: number, asOf: Date): string {
  const since = (days: number) =>
    `TIMESTAMP '${new Date(asOf.getTime() - days * DAY).toISOString().slice(0, 19).replace('T', ' ')}'`;
  const events = (name: string, days: number) =>
    `SELECT customer_id FROM events WHERE workspace_id = ${workspaceId} AND name = '${name}' AND occurred_at >= ${since(days)}`;
  return `SELECT count(*) AS n FROM customers c
    LEFT JOIN customer_lifecycle l ON l.workspace_id = c.workspace_id AND l.customer_id = c.customer_id
    WHERE c.workspace_id = ${workspaceId} AND c.merged_into IS NULL
      AND c.customer_id IN (${events('Content Viewed', 30)} GROUP BY customer_id HAVING count(*) >= 2)
      AND c.customer_id NOT IN (${events('Order Completed', 30)})
      AND c.customer_id IN (${events('Product Added', 90)})
      AND (l.stage IN ('consideration', 'preference') OR l.action_at >= ${since(180)})
      AND c.customer_id IN (SELECT customer_id FROM identities WHERE workspace_id = ${workspaceId} AND kind = 'email')`;
}

/** Twenty segments of the kinds marketers keep: recent behaviour, stages, value, B2B. */
const TWENTY: Array<[string, unknown]> = [
  ['six-rules', SIX_RULES],
  [
    'cart-abandoners',
    { event: 'Product Added', within: '14d', notFollowedBy: { event: 'Order Completed', within: '7d' } },
  ],
  [
    'customisers',
    { event: 'Product Customized', within: '7d', notFollowedBy: { event: 'Order Completed', within: '7d' } },
  ],
  ['repeat-buyers', { event: 'Order Completed', count: { op: 'gte', value: 2 } }],
  ['big-spenders', { event: 'Order Completed', sum: { property: 'total', op: 'gte', value: 500 } }],
  ['recent-buyers', { event: 'Order Completed', within: '30d' }],
  ['lapsed', { lapsed: true }],
  ['advocates', { stage: 'advocacy' }],
  ['loyal-not-advocates', { all: [{ stage: 'loyalty' }, { not: { event: 'Product Reviewed' } }] }],
  ['new-in-action', { reachedStage: 'action', within: '30d' }],
  ['considering', { stage: ['consideration', 'preference'] }],
  ['email-reachable', { identity: 'email' }],
  ['b2b', { account: true }],
  ['economic-buyers', { buyingRole: 'economic_buyer' }],
  ['retail-accounts', { account: { trait: 'industry', value: 'retail' } }],
  ['champions', { rfm: 'champions' }],
  ['at-risk', { rfm: ['at_risk', 'cannot_lose'] }],
  [
    'mobile-browsers',
    { event: 'Page Viewed', within: '30d', where: [{ property: 'device', value: 'mobile' }] },
  ],
  [
    'email-clickers',
    { event: 'Page Viewed', within: '60d', where: [{ property: 'channel', value: 'email' }] },
  ],
  [
    'event-goers-not-sharing',
    { all: [{ event: 'Event Attended', within: '90d' }, { not: { event: 'Product Shared' } }] },
  ],
];

const config = loadConfig(process.env, { dataDir: values['data-dir'], logLevel: 'silent' });
const deps = await createDeps(config);
try {
  const [workspace] = await deps.db.query<{ workspace_id: number }>(
    'SELECT workspace_id FROM workspaces ORDER BY workspace_id',
  );
  const workspaceId = workspace!.workspace_id;
  const [counts] = await deps.db.query<{ customers: number; events: number }>(
    `SELECT (SELECT count(*) FROM customers WHERE workspace_id = $1 AND merged_into IS NULL) AS customers,
       (SELECT count(*) FROM events WHERE workspace_id = $1) AS events`,
    [workspaceId],
  );
  const lifecycle = createLifecycleService(deps);
  const segments = createSegmentService({ ...deps, lifecycle });
  await lifecycle.ensureRefreshed(workspaceId);

  const evaluation = await segments.evaluate(workspaceId, EvaluateBodySchema.parse({ rules: SIX_RULES }));
  const [hand] = await deps.db.query<{ n: number }>(handWritten(workspaceId, evaluation.asOf));
  if (Number(hand!.n) !== evaluation.size)
    throw new Error(
      `the hand-written query counts ${hand!.n}, Agora ${evaluation.size}: not the same question`,
    );
  const evaluate = await median(() =>
    segments.evaluate(workspaceId, EvaluateBodySchema.parse({ rules: SIX_RULES })),
  );
  const limit = await median(() => deps.db.query(handWritten(workspaceId, evaluation.asOf)));

  for (const [slug] of TWENTY) await segments.remove(workspaceId, slug).catch(() => {});
  const started = performance.now();
  for (const [slug, rules] of TWENTY)
    await segments.save(workspaceId, slug, SegmentInputSchema.parse({ name: slug, rules }));
  const firstRefresh = performance.now() - started;
  const sizes = (await segments.list(workspaceId)).map((segment) => `${segment.slug} ${segment.members}`);
  const refreshAll = await median(() => segments.refreshDue(workspaceId, true));

  const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  console.log(
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${config.engine}`,
  );
  console.log(
    `Data: ${Number(counts!.customers).toLocaleString('en-US')} customers, ${Number(counts!.events).toLocaleString('en-US')} events`,
  );
  console.log(
    `6-rule segment: ${evaluation.size.toLocaleString('en-US')} members as of ${evaluation.asOf.toISOString()}`,
  );
  console.log(`  evaluate (Agora)        ${seconds(evaluate)}`);
  console.log(`  hand-written count      ${seconds(limit)}   ratio ${(evaluate / limit).toFixed(2)}`);
  console.log(`20 saved segments: first refresh (saving, every member joins) ${seconds(firstRefresh)}`);
  console.log(`  refresh all 20 again    ${seconds(refreshAll)}`);
  console.log(`  sizes: ${sizes.join(', ')}`);
} finally {
  await closeDeps(deps);
}
