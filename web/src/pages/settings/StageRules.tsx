import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { STAGES } from '../../../../src/modules/taxonomy/stages.ts';
import { api } from '../../api.ts';
import { Loaded } from '../../components/Loaded.tsx';

interface LifecycleRules {
  lapsedAfterDays: number;
}
interface TaxonomyRule {
  eventName: string;
  occurrence: 'any' | 'first' | 'repeat';
  behavior: string | null;
  funnelSignal: string | null;
  microMoment: string | null;
}
interface Refreshed {
  mode: 'full' | 'incremental' | 'skipped';
  customers: number;
  seconds: number;
}

const STAGE_TITLES: Record<string, string> = {
  awareness: 'Awareness',
  consideration: 'Consideration',
  preference: 'Preference',
  action: 'Action',
  loyalty: 'Loyalty',
  advocacy: 'Advocacy',
};

/** An event as a stage rule names it: "Order Completed" or "Order Completed (repeat)". */
export const eventLabel = (rule: Pick<TaxonomyRule, 'eventName' | 'occurrence'>) =>
  rule.occurrence === 'any' ? rule.eventName : `${rule.eventName} (${rule.occurrence})`;
const ruleKey = (rule: TaxonomyRule) => `${rule.occurrence}:${rule.eventName}`;

/**
 * The stage rules: a customer enters a stage with the first event whose taxonomy rule signals it, and one in
 * Action or Loyalty who goes quiet for longer than the lapsed rule counts as lapsed.
 */
export function StageRules() {
  const queries = useQueryClient();
  const rules = useQuery({
    queryKey: ['lifecycle-rules'],
    queryFn: () => api<LifecycleRules>('GET', '/api/lifecycle/rules'),
  });
  const taxonomy = useQuery({
    queryKey: ['taxonomy'],
    queryFn: () => api<{ rules: TaxonomyRule[] }>('GET', '/api/taxonomy'),
  });
  const [saved, setSaved] = useState<string | null>(null);
  const afterRules = (message: string) => (answer: LifecycleRules) => {
    queries.setQueryData(['lifecycle-rules'], answer);
    setSaved(message.replace('{days}', String(answer.lapsedAfterDays)));
    // Reports judge "lapsed" as they are read: their cached answers are out of date now.
    void queries.invalidateQueries({ predicate: (query) => String(query.queryKey[0]).startsWith('/api/') });
  };
  const save = useMutation({
    mutationFn: (lapsedAfterDays: unknown) =>
      api<LifecycleRules>('PUT', '/api/lifecycle/rules', { lapsedAfterDays }),
    onMutate: () => {
      setSaved(null);
      reset.reset();
    },
    onSuccess: afterRules('Saved: a customer lapses after {days} days. Reports show it at once.'),
  });
  const reset = useMutation({
    mutationFn: () => api<LifecycleRules>('POST', '/api/lifecycle/rules/reset'),
    onMutate: () => {
      setSaved(null);
      save.reset();
    },
    onSuccess: afterRules('Back to Agora’s default: a customer lapses after {days} days.'),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const text = String(new FormData(event.currentTarget).get('lapsedAfterDays')).trim();
    // What the field holds goes as it is: the API says what is wrong with it.
    save.mutate(text !== '' && Number.isFinite(Number(text)) ? Number(text) : text);
  };
  const failed = save.error ?? reset.error;
  return (
    <figure className="settings-rules" aria-labelledby="stage-rules-title">
      <figcaption id="stage-rules-title">
        Stage rules: which events place a customer in each of the six stages, and when a customer lapses
      </figcaption>
      <Loaded query={taxonomy}>
        {(data) => (
          <ol className="stages" data-testid="stage-rules">
            {STAGES.map((stage) => {
              const events = data.rules.filter((rule) => rule.funnelSignal === stage);
              return (
                <li key={stage}>
                  <strong>{STAGE_TITLES[stage]}</strong>
                  <span data-testid={`stage-${stage}`}>
                    {events.length === 0 ? (
                      <em>no event places a customer here</em>
                    ) : (
                      events.map((rule) => (
                        <code key={ruleKey(rule)} className="event">
                          {eventLabel(rule)}
                        </code>
                      ))
                    )}
                  </span>
                  {(stage === 'action' || stage === 'loyalty') && rules.data && (
                    <small> — lapsed after {rules.data.lapsedAfterDays} quiet days</small>
                  )}
                </li>
              );
            })}
          </ol>
        )}
      </Loaded>
      <Loaded query={rules} height={40}>
        {(data) => (
          <form className="search" onSubmit={submit} noValidate key={data.lapsedAfterDays}>
            <label className="short">
              Lapsed after (days without an event)
              <input name="lapsedAfterDays" inputMode="numeric" defaultValue={data.lapsedAfterDays} />
            </label>
            <button type="submit" disabled={save.isPending}>
              Save lapsed rule
            </button>
            <button type="button" onClick={() => reset.mutate()} disabled={reset.isPending}>
              Reset to defaults
            </button>
          </form>
        )}
      </Loaded>
      {failed && (
        <p className="error" role="alert" data-testid="stage-rules-error">
          {failed.message}
        </p>
      )}
      {saved && (
        <p className="created" role="status" data-testid="stage-rules-saved">
          {saved}
        </p>
      )}
      {taxonomy.data && <MoveEvent rules={taxonomy.data.rules} />}
    </figure>
  );
}

/** Puts an event in another stage (its taxonomy rule's funnel signal), then rebuilds the stages on request. */
function MoveEvent({ rules }: { rules: TaxonomyRule[] }) {
  const queries = useQueryClient();
  const [done, setDone] = useState<string | null>(null);
  const move = useMutation({
    mutationFn: ({ rule, stage }: { rule: TaxonomyRule; stage: string | null }) =>
      api<TaxonomyRule>(
        'PUT',
        `/api/taxonomy/${encodeURIComponent(rule.eventName)}?occurrence=${rule.occurrence}`,
        { behavior: rule.behavior, funnelSignal: stage, microMoment: rule.microMoment },
      ),
    onMutate: () => setDone(null),
    onSuccess: (rule) => {
      void queries.invalidateQueries({ queryKey: ['taxonomy'] });
      setDone(
        `${eventLabel(rule)} now ${rule.funnelSignal ? `places a customer in ${STAGE_TITLES[rule.funnelSignal]}` : 'places a customer in no stage'}. Stages are rebuilt by the next refresh (within 30 seconds), or now:`,
      );
    },
  });
  const refresh = useMutation({
    mutationFn: () => api<Refreshed>('POST', '/api/lifecycle/refresh'),
    onSuccess: (result) => {
      setDone(
        result.mode === 'skipped'
          ? 'Another Agora instance is rebuilding the stages right now; they are up to date when it ends.'
          : `Stages rebuilt (${result.mode}) for ${result.customers.toLocaleString('en-US')} customers in ${result.seconds.toFixed(1)} s.`,
      );
      void queries.invalidateQueries({ predicate: (query) => String(query.queryKey[0]).startsWith('/api/') });
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const rule = rules.find((candidate) => ruleKey(candidate) === form.get('event'));
    if (rule) move.mutate({ rule, stage: String(form.get('stage')) || null });
  };
  const failed = move.error ?? refresh.error;
  return (
    <>
      <form className="search" onSubmit={submit}>
        <label>
          Event
          <select name="event">
            {rules.map((rule) => (
              <option key={ruleKey(rule)} value={ruleKey(rule)}>
                {eventLabel(rule)} ({rule.funnelSignal ? STAGE_TITLES[rule.funnelSignal] : 'no stage'})
              </option>
            ))}
          </select>
        </label>
        <label className="short">
          Places a customer in
          <select name="stage" defaultValue="awareness">
            <option value="">no stage</option>
            {STAGES.map((stage) => (
              <option key={stage} value={stage}>
                {STAGE_TITLES[stage]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={move.isPending}>
          Save stage rule
        </button>
        <button type="button" onClick={() => refresh.mutate()} disabled={refresh.isPending}>
          Rebuild stages now
        </button>
      </form>
      {failed && (
        <p className="error" role="alert">
          {failed.message}
        </p>
      )}
      {done && (
        <p className="created" role="status" data-testid="stage-move-result">
          {done}
        </p>
      )}
    </>
  );
}
