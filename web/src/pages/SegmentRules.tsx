/** A saved segment's rule tree as sentences: `all`, `any` and `not` as nested lists, each leaf in words. */

type Node = Record<string, unknown>;
type Amount = { op: string; value: number };
type Compared = { op?: string; value?: unknown };

const OPERATORS: Record<string, string> = {
  eq: '=',
  neq: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  in: 'is one of',
  notIn: 'is none of',
  contains: 'contains',
  exists: 'is set',
  missing: 'is not set',
};

/** How many or how much, in words: at least 3. */
const AMOUNTS: Record<string, string> = {
  eq: 'exactly',
  neq: 'other than',
  gt: 'more than',
  gte: 'at least',
  lt: 'less than',
  lte: 'at most',
};

const list = (value: unknown) => (Array.isArray(value) ? value : [value]).map(String).join(', ');
const amount = ({ op, value }: Amount) => `${AMOUNTS[op] ?? op} ${value.toLocaleString('en-US')}`;
const window = (within: unknown) => (within ? ` in the last ${within}` : ' ever');

function comparison(name: string, { op = 'eq', value }: Compared): string {
  if (op === 'exists' || op === 'missing') return `${name} ${OPERATORS[op]}`;
  const shown = Array.isArray(value) ? value.join(', ') : JSON.stringify(value);
  return `${name} ${OPERATORS[op] ?? op} ${shown}`;
}

function where(conditions: unknown): string {
  if (!Array.isArray(conditions) || conditions.length === 0) return '';
  return `, where ${(conditions as Array<Compared & { property: string }>).map((c) => comparison(c.property, c)).join(' and ')}`;
}

function eventText(rule: Node): string {
  let text = `did “${rule.event}”`;
  const count = rule.count as Amount | undefined;
  const sum = rule.sum as (Amount & { property: string }) | undefined;
  if (count) text += ` ${amount(count)} times`;
  else if (sum) text += ` with a total ${sum.property} ${amount(sum)}`;
  text += `${window(rule.within)}${where(rule.where)}`;
  const next = (rule.followedBy ?? rule.notFollowedBy) as Node | undefined;
  if (next)
    text += `, ${rule.followedBy ? 'then' : 'and not then'} “${next.event}” within ${next.within}${where(next.where)}`;
  return text;
}

/** One leaf in words; a leaf of a kind this console does not know shows as its JSON. */
export function leafText(rule: Node): string {
  if ('event' in rule) return eventText(rule);
  if ('trait' in rule) return `has the trait ${comparison(String(rule.trait), rule as Compared)}`;
  if ('identity' in rule) return `has an identity of kind ${rule.identity}`;
  if ('stage' in rule) return `stands at ${list(rule.stage)} now`;
  if ('reachedStage' in rule) return `reached ${rule.reachedStage}${window(rule.within)}`;
  if ('lapsed' in rule) return rule.lapsed ? 'has lapsed' : 'has not lapsed';
  if ('account' in rule)
    return rule.account === true
      ? 'belongs to a B2B account'
      : `belongs to an account whose ${comparison(String((rule.account as Node).trait), rule.account as Compared)}`;
  if ('buyingRole' in rule) return `holds the buying role ${list(rule.buyingRole)}`;
  if ('rfm' in rule) return `is in the RFM segment ${list(rule.rfm)}`;
  if ('clv' in rule) return `has a lifetime value ahead of ${amount(rule.clv as Amount)}`;
  if ('probabilityAlive' in rule)
    return `has a probability of still being a customer of ${amount(rule.probabilityAlive as Amount)}`;
  if ('persona' in rule) return `is assigned to persona ${list(rule.persona)}`;
  if ('segment' in rule) return `is a member of the segment “${rule.segment}”`;
  return JSON.stringify(rule);
}

export function SegmentRules({ rule }: { rule: unknown }) {
  const node = (rule ?? {}) as Node;
  if (Array.isArray(node.all) || Array.isArray(node.any)) {
    const every = Array.isArray(node.all);
    const children = (every ? node.all : node.any) as unknown[];
    return (
      <div className="rule-group">
        {every ? 'All of:' : 'Any of:'}
        <ul>
          {children.map((child, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a read-only tree: a child's place is its identity
            <li key={index}>
              <SegmentRules rule={child} />
            </li>
          ))}
        </ul>
      </div>
    );
  }
  if ('not' in node)
    return (
      <div className="rule-group">
        Not:
        <ul>
          <li>
            <SegmentRules rule={node.not} />
          </li>
        </ul>
      </div>
    );
  return <span>{leafText(node)}</span>;
}
