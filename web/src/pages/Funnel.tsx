import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { Chart, echarts, heatmap } from '../components/charts.ts';
import { Loaded } from '../components/Loaded.tsx';
import { useFilters } from '../filters.tsx';
import BuyingCommittees from './BuyingCommittees.tsx';

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
interface Distribution {
  median: number | null;
  p90: number | null;
  buckets: Array<{ label: string; customers: number }>;
}
interface PathToPurchase {
  buyers: number;
  touchpointsToPurchase: Distribution;
  daysToPurchase: Distribution;
  touchpoints: Array<{ name: string; convertingShare: number; nonConvertingShare: number }>;
}
interface Moments {
  moments: number;
  mobileShare: number | null;
  byIntent: Array<{ intent: string; moments: number }>;
  beforeConversion: Array<{ intent: string; moments: number; share: number }>;
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
  const toPurchase = useQuery(get<PathToPurchase>(`/api/journeys/path-to-purchase${query()}`));
  const moments = useQuery(get<Moments>(`/api/journeys/micro-moments${query()}`));
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
      <div className="charts">
        <figure>
          <figcaption>Path to purchase: touchpoints and days from first touch to first purchase</figcaption>
          <Loaded query={toPurchase} height={300}>
            {(data) => (
              <>
                <p data-testid="buyers">
                  {data.buyers.toLocaleString('en-US')} buyers; median{' '}
                  {data.touchpointsToPurchase.median ?? '–'} touchpoints and{' '}
                  {data.daysToPurchase.median?.toFixed(0) ?? '–'} days.
                </p>
                <Chart
                  echarts={echarts}
                  style={{ height: 240 }}
                  option={{
                    tooltip: {},
                    legend: {},
                    xAxis: {
                      type: 'category',
                      data: data.touchpointsToPurchase.buckets.map((bucket) => bucket.label),
                    },
                    yAxis: { type: 'value' },
                    series: [
                      {
                        type: 'bar',
                        name: 'buyers by touchpoints',
                        data: data.touchpointsToPurchase.buckets.map((bucket) => bucket.customers),
                      },
                    ],
                  }}
                />
                <table>
                  <thead>
                    <tr>
                      <th>Touchpoint</th>
                      <th>In buyers' paths</th>
                      <th>In others'</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.touchpoints.slice(0, 8).map((touchpoint) => (
                      <tr key={touchpoint.name}>
                        <td>{touchpoint.name}</td>
                        <td>{percent(touchpoint.convertingShare)}</td>
                        <td>{percent(touchpoint.nonConvertingShare)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </Loaded>
        </figure>
        <figure>
          <figcaption>Micro-moments: short bursts of intent</figcaption>
          <Loaded query={moments} height={300}>
            {(data) => (
              <>
                <p data-testid="moments">
                  {data.moments.toLocaleString('en-US')} moments, {percent(data.mobileShare)} mostly on
                  mobile.
                </p>
                <table>
                  <thead>
                    <tr>
                      <th>Intent</th>
                      <th>Moments</th>
                      <th>Followed by a first purchase</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.byIntent.map((row) => (
                      <tr key={row.intent}>
                        <td>I want to {row.intent}</td>
                        <td>{row.moments.toLocaleString('en-US')}</td>
                        <td>
                          {percent(
                            data.beforeConversion.find((entry) => entry.intent === row.intent)?.share ?? null,
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </Loaded>
        </figure>
      </div>
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
                option={heatmap(
                  data.rows[0]!.retention.map((_, k) => `+${k}`),
                  data.rows.map((row) => row.cohort),
                  data.rows.map((row) => row.retention),
                  { left: 100, max: 1, labels: false },
                )}
              />
            )
          }
        </Loaded>
      </figure>
      <BuyingCommittees />
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
