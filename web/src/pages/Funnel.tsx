import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { Chart, echarts } from '../components/charts.ts';
import { Loaded } from '../components/Loaded.tsx';
import { useFilters } from '../filters.tsx';

interface Stage {
  stage: string;
  reached: number;
  current: number;
  conversionFromPrevious: number | null;
  medianDaysFromPrevious: number | null;
}
interface Lifecycle {
  groups: Array<{ key: string; customers: number; stages: Stage[] }>;
}
interface FunnelResult {
  steps: Array<{ name: string; customers: number; conversionFromPrevious: number | null }>;
}
interface Sankey {
  customers: number;
  nodes: Array<{ id: string; name: string; customers: number }>;
  links: Array<{ source: string; target: string; customers: number }>;
}
interface Cohorts {
  rows: Array<{ cohort: string; customers: number; retention: Array<number | null> }>;
}

const BREAKDOWNS = ['none', 'segment', 'persona', 'firstChannel', 'firstDevice', 'cohort'] as const;
const percent = (share: number | null) => (share === null ? '–' : `${(share * 100).toFixed(1)} %`);

export default function Funnel() {
  const [breakdown, setBreakdown] = useState<(typeof BREAKDOWNS)[number]>('none');
  const [start, setStart] = useState('Product Viewed');
  const { query } = useFilters();
  const get = <T,>(path: string) => ({ queryKey: [path], queryFn: () => api<T>('GET', path) });
  const lifecycle = useQuery(get<Lifecycle>(`/api/lifecycle${query({ breakdown })}`));
  const paths = useQuery(
    get<Sankey>(`/api/journeys/paths${query({ start, depth: '4', minCustomers: '5' })}`),
  );
  const cohorts = useQuery(get<Cohorts>(`/api/journeys/cohorts${query({ months: '6' })}`));
  return (
    <section>
      <h2>Funnel & journeys</h2>
      <figure>
        <figcaption>
          Lifecycle funnel{' '}
          <select
            aria-label="Break the funnel down by"
            value={breakdown}
            onChange={(event) => setBreakdown(event.target.value as (typeof BREAKDOWNS)[number])}
          >
            {BREAKDOWNS.map((option) => (
              <option key={option} value={option}>
                {option === 'none' ? 'all customers' : `by ${option}`}
              </option>
            ))}
          </select>
        </figcaption>
        <Loaded query={lifecycle}>
          {(data) => (
            <table>
              <thead>
                <tr>
                  <th>Group</th>
                  {data.groups[0]?.stages.map((stage) => (
                    <th key={stage.stage}>{stage.stage}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.groups.map((group) => (
                  <tr key={group.key}>
                    <td>{group.key}</td>
                    {group.stages.map((stage) => (
                      <td key={stage.stage}>
                        {stage.reached.toLocaleString('en-US')}
                        <small> {percent(stage.conversionFromPrevious)}</small>
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
      </figure>
      <FunnelBuilder />
      <figure>
        <figcaption>
          Journeys from{' '}
          <input
            aria-label="Journeys start at"
            defaultValue={start}
            onBlur={(event) => setStart(event.target.value)}
          />
        </figcaption>
        <Loaded query={paths} height={360}>
          {(data) =>
            data.links.length === 0 ? (
              <p className="empty">No journey goes on from {start} (with at least 5 customers).</p>
            ) : (
              <Chart
                echarts={echarts}
                style={{ height: 420 }}
                option={{
                  tooltip: { trigger: 'item' },
                  series: [
                    {
                      type: 'sankey',
                      emphasis: { focus: 'adjacency' },
                      data: data.nodes.map((node) => ({ name: node.id, label: { formatter: node.name } })),
                      links: data.links.map((link) => ({
                        source: link.source,
                        target: link.target,
                        value: link.customers,
                      })),
                    },
                  ],
                }}
              />
            )
          }
        </Loaded>
      </figure>
      <figure>
        <figcaption>Retention by month of first purchase (share buying again in month k)</figcaption>
        <Loaded query={cohorts} height={300}>
          {(data) =>
            data.rows.length === 0 ? (
              <p className="empty">No purchases yet.</p>
            ) : (
              <Chart
                echarts={echarts}
                style={{ height: 80 + 28 * data.rows.length }}
                option={{
                  tooltip: {},
                  grid: { left: 100, right: 20, top: 10, bottom: 60 },
                  xAxis: { type: 'category', data: data.rows[0]!.retention.map((_, k) => `+${k}`) },
                  yAxis: { type: 'category', data: data.rows.map((row) => row.cohort) },
                  visualMap: { min: 0, max: 1, orient: 'horizontal', left: 'center', bottom: 0 },
                  series: [
                    {
                      type: 'heatmap',
                      data: data.rows.flatMap((row, i) =>
                        row.retention.flatMap((share, k) => (share === null ? [] : [[k, i, share]])),
                      ),
                    },
                  ],
                }}
              />
            )
          }
        </Loaded>
      </figure>
    </section>
  );
}

/** Any ordered steps within a window, as the API computes them; its refusals shown beside the form. */
function FunnelBuilder() {
  const { from, to } = useFilters();
  const [error, setError] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: (body: object) => api<FunnelResult>('POST', '/api/funnels', body),
    onError: (failure: Error) => setError(failure.message),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    const form = new FormData(event.currentTarget);
    const steps = String(form.get('steps'))
      .split(',')
      .map((step) => step.trim())
      .filter(Boolean);
    run.mutate({
      steps,
      window: String(form.get('window')),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
    });
  };
  return (
    <figure>
      <figcaption>Custom funnel</figcaption>
      <form className="search" onSubmit={submit}>
        <label>
          Steps, in order
          <input name="steps" defaultValue="Product Viewed, Product Added, Order Completed" />
        </label>
        <label className="short">
          Within
          <input name="window" defaultValue="30d" />
        </label>
        <button type="submit" disabled={run.isPending}>
          Run
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {run.data && (
        <Chart
          echarts={echarts}
          style={{ height: 280 }}
          option={{
            tooltip: {},
            xAxis: { type: 'category', data: run.data.steps.map((step) => step.name) },
            yAxis: { type: 'value' },
            series: [
              {
                type: 'bar',
                data: run.data.steps.map((step) => step.customers),
                label: {
                  show: true,
                  position: 'top',
                  formatter: ({ dataIndex }: { dataIndex: number }) => {
                    const step = run.data.steps[dataIndex]!;
                    return `${step.customers} (${percent(step.conversionFromPrevious)})`;
                  },
                },
              },
            ],
          }}
        />
      )}
      {run.data && (
        <p data-testid="funnel-last">{run.data.steps.at(-1)!.customers.toLocaleString('en-US')}</p>
      )}
    </figure>
  );
}
