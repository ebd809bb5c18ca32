import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { CHANNELS } from '../../../../src/modules/ingestion/classify-channel.ts';
import { api } from '../../api.ts';
import { Loaded } from '../../components/Loaded.tsx';

const CONDITIONS = [
  ['source', 'Source (utm_source)'],
  ['medium', 'Medium (utm_medium)'],
  ['campaign', 'Campaign (utm_campaign)'],
  ['referrerHost', 'Referrer host'],
  ['pageHost', 'Page host'],
  ['urlParameter', 'URL parameter present'],
] as const;
type Condition = (typeof CONDITIONS)[number][0];

export interface ChannelRule {
  when: Partial<Record<Condition, string>>;
  channel: string;
  note?: string;
}
interface TouchpointRules {
  channel: ChannelRule[];
  device: unknown[];
  updatedAt: string | null;
}
interface Reclassified {
  events: number;
  changed: number;
}

/** "source = newsletter, medium = email": a rule's conditions as people read them. */
export const conditionsText = (rule: ChannelRule) =>
  CONDITIONS.filter(([name]) => rule.when[name] !== undefined)
    .map(([name]) =>
      name === 'urlParameter' ? `URL has ${rule.when[name]}` : `${name} = ${rule.when[name]}`,
    )
    .join(', ');

/**
 * The workspace's own channel rules, tried in order before the built-in ones: new events use them at once,
 * stored events when they are reclassified.
 */
export function ChannelRules() {
  const queries = useQueryClient();
  const rules = useQuery({
    queryKey: ['touchpoint-rules'],
    queryFn: () => api<TouchpointRules>('GET', '/api/touchpoint-rules'),
  });
  // The rule being edited (its place in the list), or null when the form adds one.
  const [editing, setEditing] = useState<number | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: ({ channel, device }: { channel: ChannelRule[]; device: unknown[] }) =>
      api<TouchpointRules>('PUT', '/api/touchpoint-rules', { channel, device }),
    onMutate: () => {
      setOutcome(null);
      reclassify.reset();
    },
    onSuccess: (answer, _sent) => {
      queries.setQueryData(['touchpoint-rules'], answer);
      setEditing(null);
      setOutcome(
        'Saved: new events get their channel from these rules at once; stored events keep theirs until you reclassify them.',
      );
    },
  });
  const reclassify = useMutation({
    mutationFn: () => api<Reclassified>('POST', '/api/touchpoint-rules/reclassify', {}),
    onMutate: () => {
      setOutcome(null);
      save.reset();
    },
    onSuccess: (answer) => {
      setOutcome(
        `Reclassified ${answer.events.toLocaleString('en-US')} stored events: ${answer.changed.toLocaleString('en-US')} changed channel, source, medium, campaign or device.`,
      );
      // Every report that counts channels may have changed.
      void queries.invalidateQueries({ predicate: (query) => String(query.queryKey[0]).startsWith('/api/') });
    },
  });
  const current = rules.data;
  const change = (channel: ChannelRule[]) => current && save.mutate({ channel, device: current.device });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!current) return;
    const form = new FormData(event.currentTarget);
    const when: ChannelRule['when'] = {};
    for (const [name] of CONDITIONS) {
      const value = String(form.get(name) ?? '').trim();
      if (value) when[name] = value;
    }
    const note = String(form.get('note') ?? '').trim();
    const rule: ChannelRule = { when, channel: String(form.get('channel')), ...(note ? { note } : {}) };
    change(
      editing === null
        ? [...current.channel, rule]
        : current.channel.map((old, index) => (index === editing ? rule : old)),
    );
  };
  const edited = editing === null ? undefined : current?.channel[editing];
  const failed = save.error ?? reclassify.error;
  return (
    <figure aria-labelledby="channel-rules-title">
      <figcaption id="channel-rules-title">
        Channel rules: tried in order before the built-in ones, the first whose conditions all hold decides (*
        stands for any characters, case is ignored)
      </figcaption>
      <Loaded query={rules}>
        {(data) =>
          data.channel.length === 0 ? (
            <p className="empty" data-testid="channel-rules-empty">
              No rules of this workspace’s own: the built-in rules (UTM parameters, click ids, referrers)
              decide.
            </p>
          ) : (
            <table data-testid="channel-rules">
              <thead>
                <tr>
                  <th>#</th>
                  <th>When</th>
                  <th>Channel</th>
                  <th>Note</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {data.channel.map((rule, index) => (
                  // Rules have no id: their place in the list is what they are.
                  // biome-ignore lint/suspicious/noArrayIndexKey: the order is the rule's identity
                  <tr key={index}>
                    <td>{index + 1}</td>
                    <td>{conditionsText(rule)}</td>
                    <td>{rule.channel}</td>
                    <td>{rule.note ?? ''}</td>
                    <td className="actions">
                      <button
                        type="button"
                        onClick={() => setEditing(index)}
                        aria-label={`Edit rule ${index + 1}`}
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        aria-label={`Remove rule ${index + 1}`}
                        onClick={() => change(data.channel.filter((_, other) => other !== index))}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      <form
        className="search rule-form"
        onSubmit={submit}
        key={editing ?? 'new'}
        aria-label={editing === null ? 'New channel rule' : `Channel rule ${editing + 1}`}
      >
        {CONDITIONS.map(([name, label]) => (
          <label key={name} className="short">
            {label}
            <input name={name} defaultValue={edited?.when[name] ?? ''} />
          </label>
        ))}
        <label className="short">
          Channel
          <select name="channel" defaultValue={edited?.channel ?? 'email'}>
            {CHANNELS.map((channel) => (
              <option key={channel}>{channel}</option>
            ))}
          </select>
        </label>
        <label className="short">
          Note
          <input name="note" defaultValue={edited?.note ?? ''} />
        </label>
        <button type="submit" disabled={!current || save.isPending}>
          {editing === null ? 'Add rule' : `Save rule ${editing + 1}`}
        </button>
        {editing !== null && (
          <button type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        )}
        <button type="button" onClick={() => reclassify.mutate()} disabled={reclassify.isPending}>
          {reclassify.isPending ? 'Reclassifying…' : 'Reclassify past events'}
        </button>
      </form>
      {failed && (
        <p className="error" role="alert" data-testid="channel-rules-error">
          {failed.message}
        </p>
      )}
      {outcome && (
        <p className="created" role="status" data-testid="channel-rules-outcome">
          {outcome}
        </p>
      )}
    </figure>
  );
}
