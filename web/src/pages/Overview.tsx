import { useQuery } from '@tanstack/react-query';
import { STAGES } from '../../../src/modules/taxonomy/stages.ts';
import { api } from '../api.ts';
import { Chart, echarts } from '../components/charts.ts';
import { Loaded } from '../components/Loaded.tsx';
import { useFilters } from '../filters.tsx';

interface Lifecycle {
  groups: Array<{ customers: number; stages: Array<{ stage: string; reached: number; current: number }> }>;
}
interface LifecycleTrend {
  periods: Array<{ start: string; entered: Record<string, number> }>;
}
interface BehaviorTrend {
  asOf: string;
  months: Array<{ month: string; activeCustomers: number; reach: Record<string, number> }>;
}
interface Risk {
  atRisk: { customers: number; spent: number };
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
  const risk = useQuery(get<Risk>('/api/value/risk?limit=1'));
  const entered = useQuery(get<LifecycleTrend>(`/api/lifecycle/trend${query({ interval: 'month' })}`));
  const active = useQuery(get<BehaviorTrend>('/api/behaviors/trend'));
  const stages = lifecycle.data?.groups[0]?.stages ?? [];
  // No group at all is a funnel no one has entered yet: 0, not "loading".
  const reached = (stage: string) =>
    lifecycle.data ? (stages.find((entry) => entry.stage === stage)?.reached ?? 0) : undefined;
  const organisation = behaviors.data?.organisation;
  const bought = reached('action');
  const conversion = bought !== undefined && stages[0]?.reached ? bought / stages[0].reached : undefined;
  return (
    <section>
      <h2>Overview</h2>
      <div className="numbers">
        <Figure label="Customers in the funnel" value={reached('awareness')} />
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
        <Figure
          label="Spent by repeat customers slipping away"
          value={risk.data ? Math.round(risk.data.atRisk.spent) : undefined}
          note={risk.data && `${risk.data.atRisk.customers.toLocaleString('en-US')} customers`}
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
      <div className="charts">
        <figure>
          <figcaption>Customers entering each stage, month by month</figcaption>
          <Loaded query={entered} height={280}>
            {({ periods }) =>
              periods.length === 0 ? (
                <p className="empty">No one has entered a stage in this period.</p>
              ) : (
                <Chart
                  echarts={echarts}
                  style={{ height: 280 }}
                  option={{
                    tooltip: { trigger: 'axis' },
                    legend: { bottom: 0 },
                    grid: { left: 50, right: 20, top: 10, bottom: 50 },
                    xAxis: { type: 'category', data: periods.map((period) => period.start.slice(0, 7)) },
                    yAxis: { type: 'value' },
                    series: STAGES.map((stage) => ({
                      name: stage,
                      type: 'line',
                      data: periods.map((period) => period.entered[stage] ?? 0),
                    })),
                  }}
                />
              )
            }
          </Loaded>
        </figure>
        <figure>
          <figcaption>Active customers by month, and the share showing each behaviour</figcaption>
          <Loaded query={active} height={280}>
            {({ asOf, months }) => (
              <Chart
                echarts={echarts}
                style={{ height: 280 }}
                option={{
                  tooltip: { trigger: 'axis' },
                  legend: { bottom: 0 },
                  grid: { left: 60, right: 50, top: 30, bottom: 50 },
                  xAxis: { type: 'category', data: months.map((month) => monthLabel(month.month, asOf)) },
                  yAxis: [
                    { type: 'value', name: 'customers' },
                    { type: 'value', name: '%', max: 100, splitLine: { show: false } },
                  ],
                  series: [
                    {
                      name: 'active customers',
                      type: 'bar',
                      data: months.map((month) => month.activeCustomers),
                    },
                    ...Object.keys(months[0]?.reach ?? {}).map((behavior) => ({
                      name: behavior,
                      type: 'line',
                      yAxisIndex: 1,
                      data: months.map((month) => Math.round((month.reach[behavior] ?? 0) * 1000) / 10),
                    })),
                  ],
                }}
              />
            )}
          </Loaded>
        </figure>
      </div>
    </section>
  );
}

/** The month asOf falls in is counted only up to asOf: its label says so, as its bar is shorter. */
const monthLabel = (month: string, asOf: string) =>
  asOf.startsWith(month) ? `${month} (to ${asOf.slice(8, 10)})` : month;

function Figure({
  label,
  value,
  note,
  format = (number) => number.toLocaleString('en-US'),
}: {
  label: string;
  value: number | undefined;
  note?: string | undefined;
  format?: (value: number) => string;
}) {
  return (
    <div className="number">
      <span className="value" data-testid={label}>
        {value === undefined ? '…' : format(value)}
      </span>
      <span className="label">
        {label}
        {note && ` (${note})`}
      </span>
    </div>
  );
}
