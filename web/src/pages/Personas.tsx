import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { Chart, echarts, heatmap } from '../components/charts.ts';
import { Loaded } from '../components/Loaded.tsx';

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

const percent = (share: number) => `${Math.round(share * 100)} %`;

export default function Personas() {
  const queries = useQueryClient();
  const list = useQuery({ queryKey: ['personas'], queryFn: () => api<PersonaList>('GET', '/api/personas') });
  const matrix = useQuery({
    queryKey: ['personas', 'stages'],
    queryFn: () => api<Matrix>('GET', '/api/personas/stages'),
  });
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
                <PersonaCard key={persona.personaId} persona={persona} />
              ))}
            </div>
          </>
        )}
      </Loaded>
      <figure>
        <figcaption>Where each persona stands in the lifecycle</figcaption>
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

function PersonaCard({ persona }: { persona: Persona }) {
  const queries = useQueryClient();
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
    <article className="card" data-testid="persona">
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
