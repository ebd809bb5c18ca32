import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useLocation } from 'react-router-dom';
import { api } from '../api.ts';
import { Chart, echarts, heatmap } from '../components/charts.ts';
import { Loaded } from '../components/Loaded.tsx';
import { useFilters } from '../filters.tsx';

interface Persona {
  personaId: number;
  name: string;
  customers: number;
  share: number;
  distinguishing: Array<{ label: string; z: number }>;
  preferredFormat: string | null;
  firstChannels: Array<{ channel: string; share: number }>;
}
interface PersonaList {
  run: { fittedAt: string; customers: number } | null;
  personas: Persona[];
}
interface Matrix {
  stages: string[];
  rows: Array<{ personaId: number; name: string; counts: number[] }>;
}

/** GET /api/behaviors: the organisation and each persona (by name; 'no persona' for the rest). */
interface BehaviorGroup {
  key: string;
  activeCustomers: number;
  behaviors: Array<{ behavior: string; index: number; reach: number; depth: number }>;
}
interface BehaviorReport {
  windowDays: number;
  organisation: BehaviorGroup;
  groups: BehaviorGroup[];
}

const percent = (share: number) => `${Math.round(share * 100)} %`;
const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

export default function Personas() {
  const queries = useQueryClient();
  // The personas are found in every customer; the radar, the matrix and the cards' counts follow the segment filter.
  const { segment, query } = useFilters();
  const among = segment ? 'the segment’s customers' : 'all customers';
  const list = useQuery({ queryKey: ['personas'], queryFn: () => api<PersonaList>('GET', '/api/personas') });
  // Under ['personas'] so that finding or renaming personas fetches them again.
  const matrixPath = `/api/personas/stages${query({}, ['segment'])}`;
  const matrix = useQuery({
    queryKey: ['personas', matrixPath],
    queryFn: () => api<Matrix>('GET', matrixPath),
  });
  const behaviorsPath = `/api/behaviors${query({}, ['segment'])}`;
  const behaviors = useQuery({
    queryKey: ['personas', behaviorsPath],
    queryFn: () => api<BehaviorReport>('GET', behaviorsPath),
  });
  // Under the segment filter each card also says how many of its customers the segment holds: the matrix's row.
  const inSegment = (personaId: number) => {
    const row = segment ? matrix.data?.rows.find((entry) => entry.personaId === personaId) : undefined;
    return row?.counts.reduce((sum, count) => sum + count, 0);
  };
  const refresh = useMutation({
    mutationFn: () => api('POST', '/api/personas/refresh', {}),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['personas'] }),
  });
  return (
    <section>
      <h2>Personas</h2>
      <Loaded query={list}>
        {(data) => (
          <>
            <p>
              {data.run
                ? `Found in ${data.run.customers.toLocaleString('en-US')} customers on ${data.run.fittedAt.slice(0, 10)}.`
                : 'No personas yet: find them in what customers do.'}{' '}
              <button type="button" onClick={() => refresh.mutate()} disabled={refresh.isPending}>
                {refresh.isPending ? 'Finding personas…' : data.run ? 'Find them again' : 'Find personas'}
              </button>
            </p>
            {refresh.isError && (
              <p className="error" role="alert">
                {refresh.error.message}
              </p>
            )}
            <div className="cards">
              {data.personas.map((persona) => (
                <PersonaCard
                  key={persona.personaId}
                  persona={persona}
                  inSegment={inSegment(persona.personaId)}
                />
              ))}
            </div>
          </>
        )}
      </Loaded>
      <figure>
        <figcaption>
          How each persona behaves: the behaviour index of its active customers (0–100), against {among}
        </figcaption>
        <Loaded query={behaviors} height={360}>
          {(report) => (
            <BehaviorRadar
              report={report}
              personas={list.data?.personas ?? []}
              everyone={capitalised(among)}
            />
          )}
        </Loaded>
      </figure>
      <figure>
        <figcaption>
          Where each persona{segment ? '’s members of the segment stand' : ' stands'} in the lifecycle
        </figcaption>
        <Loaded query={matrix} height={300}>
          {(data) =>
            data.rows.length === 0 ? (
              <p className="empty">No persona yet.</p>
            ) : (
              <Chart
                echarts={echarts}
                style={{ height: 80 + 40 * data.rows.length }}
                option={heatmap(
                  data.stages,
                  data.rows.map((row) => row.name),
                  data.rows.map((row) => row.counts),
                  { left: 220 },
                )}
              />
            )
          }
        </Loaded>
      </figure>
    </section>
  );
}

/** One radar, a series per persona (the legend toggles them) and `everyone` dashed; the numbers beside. */
function BehaviorRadar({
  report,
  personas,
  everyone,
}: {
  report: BehaviorReport;
  personas: Persona[];
  everyone: string;
}) {
  // The report names each persona's group by the persona's name; the cards' order is kept.
  const byName = new Map(report.groups.map((group) => [group.key, group]));
  const rows = [
    { name: everyone, group: report.organisation },
    ...personas.flatMap((persona) => {
      const group = byName.get(persona.name);
      return group ? [{ name: persona.name, group }] : [];
    }),
  ];
  if (rows.length === 1) return <p className="empty">No persona yet.</p>;
  const behaviors = report.organisation.behaviors.map((entry) => entry.behavior);
  const highest = Math.max(...rows.flatMap((row) => row.group.behaviors.map((entry) => entry.index)));
  // The indexes seldom come near 100: a scale to the next ten above the highest keeps the shapes apart.
  const max = Math.min(100, Math.max(10, Math.ceil(highest / 10) * 10));
  return (
    <div className="persona-behaviors">
      <Chart
        echarts={echarts}
        style={{ height: 440 }}
        option={{
          tooltip: {},
          // Every persona in the legend (it wraps): a click on one hides or shows it.
          legend: { bottom: 0, left: 'center', itemGap: 12 },
          radar: {
            center: ['50%', '42%'],
            radius: '60%',
            indicator: behaviors.map((behavior) => ({ name: capitalised(behavior), max })),
          },
          series: [
            {
              type: 'radar',
              data: rows.map((row, i) => ({
                name: row.name,
                value: row.group.behaviors.map((entry) => Math.round(entry.index)),
                ...(i === 0
                  ? { lineStyle: { type: 'dashed', color: '#9aa1ad' }, itemStyle: { color: '#9aa1ad' } }
                  : { areaStyle: { opacity: 0.08 } }),
              })),
            },
          ],
        }}
      />
      <table data-testid="persona-behaviors">
        <thead>
          <tr>
            <th>Active customers ({report.windowDays} days)</th>
            {behaviors.map((behavior) => (
              <th key={behavior} className="number-cell">
                {capitalised(behavior)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.name}>
              <td>
                {row.name} <small>({row.group.activeCustomers.toLocaleString('en-US')})</small>
              </td>
              {row.group.behaviors.map((entry) => (
                <td key={entry.behavior} className="number-cell">
                  {Math.round(entry.index)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PersonaCard({ persona, inSegment }: { persona: Persona; inSegment: number | undefined }) {
  const queries = useQueryClient();
  // A link to #persona-<id> (the customer 360's) shows the persona's card.
  const anchor = `persona-${persona.personaId}`;
  const target = useLocation().hash === `#${anchor}`;
  const card = useRef<HTMLElement>(null);
  useEffect(() => {
    if (target) card.current?.scrollIntoView({ block: 'center' });
  }, [target]);
  const [error, setError] = useState<string | null>(null);
  const rename = useMutation({
    mutationFn: (name: string) => api('PATCH', `/api/personas/${persona.personaId}`, { name }),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['personas'] }),
    onError: (failure: Error) => setError(failure.message),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    rename.mutate(String(new FormData(event.currentTarget).get('name')));
  };
  const above = persona.distinguishing.filter((feature) => feature.z > 0).slice(0, 5);
  return (
    <article id={anchor} ref={card} className={target ? 'card target' : 'card'} data-testid="persona">
      <form onSubmit={submit}>
        <label>
          Name
          <input
            name="name"
            defaultValue={persona.name}
            aria-label={`Name of persona ${persona.personaId}`}
          />
        </label>
        <button type="submit" disabled={rename.isPending}>
          Rename
        </button>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
      <p>
        {persona.customers.toLocaleString('en-US')} customers ({percent(persona.share)})
        {inSegment !== undefined && `, ${inSegment.toLocaleString('en-US')} of them in the segment`}
      </p>
      <p>More than others: {above.map((feature) => feature.label).join(', ') || '—'}</p>
      <p>
        First channels:{' '}
        {persona.firstChannels
          .slice(0, 3)
          .map((entry) => `${entry.channel} ${percent(entry.share)}`)
          .join(', ')}
      </p>
      {persona.preferredFormat && <p>Prefers {persona.preferredFormat.replace('_', ' ')} content</p>}
    </article>
  );
}
