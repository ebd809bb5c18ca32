import { useQuery } from '@tanstack/react-query';
import { api } from '../api.ts';
import { Chart, echarts } from '../components/charts.ts';
import { useFilters } from '../filters.tsx';

interface Lifecycle {
  groups: Array<{ customers: number; stages: Array<{ stage: string; reached: number; current: number }> }>;
}
interface Behaviors {
  organisation: {
    activeCustomers: number;
    behaviors: Array<{ behavior: string; index: number; reach: number }>;
  };
}

export default function Overview() {
  const { query } = useFilters();
  const get = <T,>(path: string) => ({ queryKey: [path], queryFn: () => api<T>('GET', path) });
  const lifecycle = useQuery(get<Lifecycle>(`/api/lifecycle${query()}`));
  const behaviors = useQuery(get<Behaviors>(`/api/behaviors${query({}, ['segment'])}`));
  const clv = useQuery(get<{ all: { total: number } }>(`/api/value/clv${query({}, ['segment'])}`));
  const stages = lifecycle.data?.groups[0]?.stages ?? [];
  const organisation = behaviors.data?.organisation;
  const bought = stages.find((stage) => stage.stage === 'action')?.reached;
  const conversion = bought !== undefined && stages[0]?.reached ? bought / stages[0].reached : undefined;
  return (
    <section>
      <h2>Overview</h2>
      <div className="numbers">
        <Figure label="Customers in the funnel" value={stages[0]?.reached} />
        <Figure label="Bought (Action)" value={bought} />
        <Figure label="Active in 90 days" value={organisation?.activeCustomers} />
        <Figure
          label="Bought, of those in the funnel"
          value={conversion}
          format={(share) => `${(share * 100).toFixed(1)} %`}
        />
        <Figure
          label="Value of customers ahead (12 months)"
          value={clv.data ? Math.round(clv.data.all.total) : undefined}
        />
      </div>
      <div className="charts">
        <figure>
          <figcaption>Lifecycle funnel: customers who reached each stage</figcaption>
          {lifecycle.isPending ? (
            <div className="skeleton" />
          ) : lifecycle.isError ? (
            <p className="error">{lifecycle.error.message}</p>
          ) : stages.length === 0 ? (
            <p className="empty">
              No customer has entered the funnel yet: send events or import them (agora import).
            </p>
          ) : (
            <Chart
              echarts={echarts}
              style={{ height: 320 }}
              option={{
                tooltip: { trigger: 'item' },
                series: [
                  {
                    type: 'funnel',
                    sort: 'none',
                    left: '5%',
                    width: '60%',
                    data: stages.map((stage) => ({ name: stage.stage, value: stage.reached })),
                    label: { formatter: '{b}: {c}' },
                  },
                ],
              }}
            />
          )}
        </figure>
        <figure>
          <figcaption>The five behaviours: index of active customers (0–100)</figcaption>
          {behaviors.isPending ? (
            <div className="skeleton" />
          ) : behaviors.isError ? (
            <p className="error">{behaviors.error.message}</p>
          ) : (
            <Chart
              echarts={echarts}
              style={{ height: 320 }}
              option={{
                tooltip: {},
                radar: {
                  indicator: organisation!.behaviors.map((entry) => ({ name: entry.behavior, max: 100 })),
                },
                series: [
                  {
                    type: 'radar',
                    data: [
                      {
                        name: 'organisation',
                        value: organisation!.behaviors.map((entry) => Math.round(entry.index)),
                      },
                    ],
                  },
                ],
              }}
            />
          )}
        </figure>
      </div>
    </section>
  );
}

function Figure({
  label,
  value,
  format = (number) => number.toLocaleString('en-US'),
}: {
  label: string;
  value: number | undefined;
  format?: (value: number) => string;
}) {
  return (
    <div className="number">
      <span className="value" data-testid={label}>
        {value === undefined ? '…' : format(value)}
      </span>
      <span className="label">{label}</span>
    </div>
  );
}
