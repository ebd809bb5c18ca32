import { PATH_SEPARATOR, type PathRow, TOP_PATHS } from './journey-paths.query.ts';
import type { PathQuery, Sankey } from './journeys.schema.ts';

/** Between the labels of a path (held-touches.ts): a character no event or channel name holds. */
export const STEP_SEPARATOR = '\u001f';

/**
 * The nodes, links and most common paths as buildJourneyPathsSql counts them, from the customers on each
 * path: its labels joined by STEP_SEPARATOR, the steps 1…n from the anchor or depth−n+1…depth to it.
 */
export function countJourneyPaths(customersByPath: Map<string, number>, query: PathQuery): PathRow[] {
  const counts = new Map<string, PathRow>();
  const add = (
    kind: 'node' | 'link',
    step: number,
    label: string,
    next: string | null,
    customers: number,
  ) => {
    const key = [kind, step, label, next].join(STEP_SEPARATOR);
    const row = counts.get(key) ?? { kind, step, label, next_label: next, customers: 0 };
    row.customers += customers;
    counts.set(key, row);
  };
  const paths: PathRow[] = [];
  for (const [text, customers] of customersByPath) {
    const labels = text.split(STEP_SEPARATOR);
    // From the anchor the path starts at step 1; to the anchor it ends at step `depth`.
    const first = query.start ? 1 : query.depth - labels.length + 1;
    labels.forEach((label, offset) => {
      add('node', first + offset, label, null, customers);
      const next = labels[offset + 1];
      if (next !== undefined) add('link', first + offset, label, next, customers);
    });
    paths.push({ kind: 'path', step: 0, label: labels.join(PATH_SEPARATOR), next_label: null, customers });
  }
  // As the engines order them: by customers, then by text (code unit by code unit).
  paths.sort((a, b) => b.customers - a.customers || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return [...counts.values(), ...paths.slice(0, TOP_PATHS)];
}

/** More nodes than this at one step make a Sankey unreadable: the rest fold into "other". */
export const MAX_NODES_PER_STEP = 10;
export const OTHER = 'other';

/** Rows of nodes, links and paths → a Sankey where rare touchpoints at each step are folded into "other". */
export function computeJourneyPaths(query: PathQuery, rows: PathRow[]): Sankey {
  const kept = keptNodes(
    rows.filter((row) => row.kind === 'node'),
    query.minCustomers,
  );
  const name = (step: number, label: string) => (kept.has(`${step}:${label}`) ? label : OTHER);
  const nodes = new Map<string, Sankey['nodes'][number]>();
  for (const row of rows.filter((row) => row.kind === 'node')) {
    const label = name(row.step, row.label);
    const id = `${row.step}:${label}`;
    const node = nodes.get(id) ?? { id, step: row.step, name: label, customers: 0 };
    node.customers += row.customers;
    nodes.set(id, node);
  }
  const links = new Map<string, Sankey['links'][number]>();
  for (const row of rows.filter((row) => row.kind === 'link')) {
    const source = `${row.step}:${name(row.step, row.label)}`;
    const target = `${row.step + 1}:${name(row.step + 1, row.next_label!)}`;
    const link = links.get(`${source}|${target}`) ?? { source, target, customers: 0 };
    link.customers += row.customers;
    links.set(`${source}|${target}`, link);
  }
  const anchorStep = query.start ? 1 : query.depth;
  return {
    anchor: { event: (query.start ?? query.end)!, side: query.start ? 'start' : 'end' },
    customers: [...nodes.values()]
      .filter((node) => node.step === anchorStep)
      .reduce((sum, node) => sum + node.customers, 0),
    nodes: [...nodes.values()].sort(
      (a, b) => a.step - b.step || b.customers - a.customers || a.name.localeCompare(b.name),
    ),
    links: [...links.values()].sort(
      (a, b) =>
        b.customers - a.customers || a.source.localeCompare(b.source) || a.target.localeCompare(b.target),
    ),
    topPaths: rows
      .filter((row) => row.kind === 'path' && row.customers >= query.minCustomers)
      .map((row) => ({ path: row.label.split(PATH_SEPARATOR), customers: row.customers })),
  };
}

/** The nodes shown by name: at least `minCustomers`, and among the largest few at their step. */
function keptNodes(nodes: PathRow[], minCustomers: number): Set<string> {
  const byStep = new Map<number, PathRow[]>();
  for (const node of nodes) byStep.set(node.step, [...(byStep.get(node.step) ?? []), node]);
  const kept = new Set<string>();
  for (const [step, rows] of byStep) {
    const largest = rows
      .filter((row) => row.customers >= minCustomers)
      .sort((a, b) => b.customers - a.customers || a.label.localeCompare(b.label))
      .slice(0, MAX_NODES_PER_STEP);
    for (const row of largest) kept.add(`${step}:${row.label}`);
  }
  return kept;
}
