import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { STAGES } from '../../../src/modules/taxonomy/stages.ts';
import { RFM_SEGMENTS } from '../../../src/modules/value/rfm-segments.ts';
import { api, download } from '../api.ts';
import { Loaded } from '../components/Loaded.tsx';

/** One condition of the builder; each kind becomes one leaf of the API's rule tree (docs/segments.md). */
type Condition = { id: number } & (
  | { kind: 'event'; event: string; atLeast: number; withinDays: number }
  | { kind: 'stage'; stage: string }
  | { kind: 'trait'; trait: string; value: string }
  | { kind: 'rfm'; segment: string }
  | { kind: 'clv'; atLeast: number }
);

let made = 0;
/** A new condition of a kind, with its defaults and an id of its own (its key while the list is edited). */
function fresh(kind: Condition['kind']): Condition {
  const id = ++made;
  switch (kind) {
    case 'event':
      return { id, kind, event: 'Order Completed', atLeast: 1, withinDays: 30 };
    case 'stage':
      return { id, kind, stage: 'loyalty' };
    case 'trait':
      return { id, kind, trait: 'plan', value: '' };
    case 'rfm':
      return { id, kind, segment: 'at_risk' };
    case 'clv':
      return { id, kind, atLeast: 500 };
  }
}

function leaf(condition: Condition): object {
  switch (condition.kind) {
    case 'event':
      return {
        event: condition.event,
        within: `${condition.withinDays}d`,
        count: { op: 'gte', value: condition.atLeast },
      };
    case 'stage':
      return { stage: condition.stage };
    case 'trait':
      return { trait: condition.trait, value: condition.value };
    case 'rfm':
      return { rfm: condition.segment };
    case 'clv':
      return { clv: { op: 'gte', value: condition.atLeast } };
  }
}

interface Evaluation {
  size: number;
  members: Array<{ customerId: number; userId: string | null; email: string | null; stage: string | null }>;
}
interface Segment {
  slug: string;
  name: string;
  members: number | null;
  refreshedAt: string | null;
}

export default function Segments() {
  const queries = useQueryClient();
  const [combine, setCombine] = useState<'all' | 'any'>('all');
  const [conditions, setConditions] = useState<Condition[]>(() => [fresh('event')]);
  const rules = conditions.length === 1 ? leaf(conditions[0]!) : { [combine]: conditions.map(leaf) };
  // The live count follows the rules as they are edited, a moment after the last change.
  const [debounced, setDebounced] = useState(rules);
  const key = JSON.stringify(rules);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(JSON.parse(key)), 400);
    return () => clearTimeout(timer);
  }, [key]);
  const evaluation = useQuery({
    queryKey: ['segments', 'evaluate', debounced],
    queryFn: () => api<Evaluation>('POST', '/api/segments/evaluate', { rules: debounced, limit: 10 }),
  });
  const saved = useQuery({
    queryKey: ['segments'],
    queryFn: () => api<{ segments: Segment[] }>('GET', '/api/segments'),
  });
  const save = useMutation({
    mutationFn: ({ slug, name }: { slug: string; name: string }) =>
      api('PUT', `/api/segments/${encodeURIComponent(slug)}`, { name, rules }),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['segments'] }),
  });
  const update = (index: number, next: Condition) =>
    setConditions(conditions.map((condition, i) => (i === index ? next : condition)));
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    save.mutate({ slug: String(form.get('slug')).trim(), name: String(form.get('name')).trim() });
  };
  return (
    <section>
      <h2>Segments</h2>
      <figure>
        <figcaption>
          Customers matching{' '}
          <select
            aria-label="Combine the conditions"
            value={combine}
            onChange={(event) => setCombine(event.target.value as 'all' | 'any')}
          >
            <option value="all">all</option>
            <option value="any">any</option>
          </select>{' '}
          of these conditions
        </figcaption>
        {conditions.map((condition, index) => (
          <div className="condition" key={condition.id}>
            <select
              aria-label={`Condition ${index + 1}`}
              value={condition.kind}
              onChange={(event) => update(index, fresh(event.target.value as Condition['kind']))}
            >
              <option value="event">did an event</option>
              <option value="stage">stands at a stage</option>
              <option value="trait">has a trait</option>
              <option value="rfm">is in an RFM segment</option>
              <option value="clv">is worth at least</option>
            </select>
            <ConditionFields condition={condition} index={index} onChange={(next) => update(index, next)} />
            {conditions.length > 1 && (
              <button type="button" onClick={() => setConditions(conditions.filter((_, i) => i !== index))}>
                Remove
              </button>
            )}
          </div>
        ))}
        <button type="button" onClick={() => setConditions([...conditions, fresh('stage')])}>
          Add a condition
        </button>
        <div className="live">
          {evaluation.isError ? (
            <p className="error" role="alert">
              {evaluation.error.message}
            </p>
          ) : (
            <p>
              <strong data-testid="live-count">
                {evaluation.data ? evaluation.data.size.toLocaleString('en-US') : '…'}
              </strong>{' '}
              customers match now.
            </p>
          )}
          {evaluation.data && evaluation.data.members.length > 0 && (
            <p className="sample">
              For example:{' '}
              {evaluation.data.members
                .map((member) => member.email ?? member.userId ?? `#${member.customerId}`)
                .join(', ')}
            </p>
          )}
        </div>
        <form className="search" onSubmit={submit}>
          <label>
            Save as (name)
            <input name="name" required />
          </label>
          <label className="short">
            Slug
            <input name="slug" required placeholder="cart-savers" />
          </label>
          <button type="submit" disabled={save.isPending}>
            Save segment
          </button>
        </form>
        {save.isError && (
          <p className="error" role="alert">
            {save.error.message}
          </p>
        )}
      </figure>
      <figure>
        <figcaption>Saved segments, kept up to date as events arrive</figcaption>
        <Loaded query={saved}>
          {(data) =>
            data.segments.length === 0 ? (
              <p className="empty">None saved yet: build one above and save it.</p>
            ) : (
              <table data-testid="saved-segments">
                <thead>
                  <tr>
                    <th>Segment</th>
                    <th>Members</th>
                    <th>Refreshed</th>
                    <th>Export</th>
                  </tr>
                </thead>
                <tbody>
                  {data.segments.map((segment) => (
                    <tr key={segment.slug}>
                      <td>
                        <Link to={`/segments/${segment.slug}`}>{segment.name}</Link>
                      </td>
                      <td>{segment.members?.toLocaleString('en-US') ?? '–'}</td>
                      <td>{segment.refreshedAt?.slice(0, 16).replace('T', ' ') ?? '–'}</td>
                      <td>
                        <a
                          href={`/api/segments/${segment.slug}/export.csv`}
                          download={`${segment.slug}.csv`}
                          onClick={(event) => {
                            event.preventDefault();
                            download(`/api/segments/${segment.slug}/export.csv`, `${segment.slug}.csv`).catch(
                              (error: Error) => window.alert(error.message),
                            );
                          }}
                        >
                          CSV
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loaded>
      </figure>
    </section>
  );
}

function ConditionFields({
  condition,
  index,
  onChange,
}: {
  condition: Condition;
  index: number;
  onChange: (next: Condition) => void;
}) {
  const label = (what: string) => `${what} of condition ${index + 1}`;
  switch (condition.kind) {
    case 'event':
      return (
        <>
          <input
            aria-label={label('Event')}
            value={condition.event}
            onChange={(event) => onChange({ ...condition, event: event.target.value })}
          />
          at least
          <input
            aria-label={label('Times')}
            type="number"
            min={1}
            value={condition.atLeast}
            onChange={(event) => onChange({ ...condition, atLeast: Number(event.target.value) })}
          />
          times in the last
          <input
            aria-label={label('Days')}
            type="number"
            min={1}
            value={condition.withinDays}
            onChange={(event) => onChange({ ...condition, withinDays: Number(event.target.value) })}
          />
          days
        </>
      );
    case 'stage':
      return (
        <select
          aria-label={label('Stage')}
          value={condition.stage}
          onChange={(event) => onChange({ ...condition, stage: event.target.value })}
        >
          {STAGES.map((stage) => (
            <option key={stage}>{stage}</option>
          ))}
        </select>
      );
    case 'trait':
      return (
        <>
          <input
            aria-label={label('Trait')}
            value={condition.trait}
            onChange={(event) => onChange({ ...condition, trait: event.target.value })}
          />
          =
          <input
            aria-label={label('Value')}
            value={condition.value}
            onChange={(event) => onChange({ ...condition, value: event.target.value })}
          />
        </>
      );
    case 'rfm':
      return (
        <select
          aria-label={label('RFM segment')}
          value={condition.segment}
          onChange={(event) => onChange({ ...condition, segment: event.target.value })}
        >
          {RFM_SEGMENTS.map((segment) => (
            <option key={segment}>{segment}</option>
          ))}
        </select>
      );
    case 'clv':
      return (
        <input
          aria-label={label('Value ahead')}
          type="number"
          min={0}
          value={condition.atLeast}
          onChange={(event) => onChange({ ...condition, atLeast: Number(event.target.value) })}
        />
      );
  }
}
