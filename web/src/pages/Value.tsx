import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { api } from '../api.ts';
import { Chart, echarts, heatmap } from '../components/charts.ts';
import { Loaded } from '../components/Loaded.tsx';
import { useFilters } from '../filters.tsx';

interface Clv {
  months: number;
  all: { customers: number; total: number; mean: number };
  notes: string[];
}
interface Distribution {
  valuedAt: string | null;
  months: number | null;
  customers: number;
  total: number;
  /** from ≤ CLV < to on 1-2-5 edges; `to` null for an open last bin. */
  bins: Array<{ from: number; to: number | null; customers: number; value: number }>;
  notes: string[];
}
interface Rfm {
  customers: number;
  grid: number[][];
  segments: Array<{ segment: string; customers: number; monetary: number }>;
}
interface RiskEntry {
  customerId: number;
  spent: number;
  probabilityAlive: number;
  reasons: string[];
}
interface Risk {
  atRisk: { customers: number; list: RiskEntry[] };
  winBack: { customers: number; list: RiskEntry[] };
}
interface Economics {
  from: string;
  to: string;
  groups: Array<{ persona: string; statement: string }>;
}

const money = (value: number) => Math.round(value).toLocaleString('en-US');
const range = (bin: Distribution['bins'][number]) =>
  bin.to === null ? `${money(bin.from)} or more` : `${money(bin.from)}–${money(bin.to)}`;
/** 5,000 as 5k, 2,000,000 as 2M: a bin's edges short enough for the histogram's axis. */
const short = (value: number) =>
  value >= 1e6 ? `${value / 1e6}M` : value >= 1e3 ? `${value / 1e3}k` : String(value);
const shortRange = (bin: Distribution['bins'][number]) =>
  bin.to === null ? `${short(bin.from)}+` : `${short(bin.from)}–${short(bin.to)}`;

export default function Value() {
  const { query } = useFilters();
  const clvPath = `/api/value/clv${query({}, ['segment'])}`;
  const economicsPath = `/api/value/economics${query({}, ['from', 'to'])}`;
  const clv = useQuery({ queryKey: [clvPath], queryFn: () => api<Clv>('GET', clvPath) });
  const distributionPath = `/api/value/distribution${query({}, ['segment'])}`;
  const distribution = useQuery({
    queryKey: [distributionPath],
    queryFn: () => api<Distribution>('GET', distributionPath),
  });
  const rfm = useQuery({ queryKey: ['value', 'rfm'], queryFn: () => api<Rfm>('GET', '/api/value/rfm') });
  const risk = useQuery({
    queryKey: ['value', 'risk'],
    queryFn: () => api<Risk>('GET', '/api/value/risk?limit=10'),
  });
  const economics = useQuery({
    queryKey: [economicsPath],
    queryFn: () => api<Economics>('GET', economicsPath),
  });
  return (
    <section>
      <h2>Value</h2>
      <Loaded query={clv}>
        {(data) => (
          <div className="numbers">
            <div className="number">
              <span className="value" data-testid="Customers valued">
                {data.all.customers.toLocaleString('en-US')}
              </span>
              <span className="label">Customers valued</span>
            </div>
            <div className="number">
              <span className="value" data-testid="Value ahead">
                {money(data.all.total)}
              </span>
              <span className="label">Value over the next {data.months} months</span>
            </div>
            <div className="number">
              <span className="value">{money(data.all.mean)}</span>
              <span className="label">Per customer</span>
            </div>
          </div>
        )}
      </Loaded>
      <Loaded query={distribution} height={320}>
        {(data) => <ClvDistribution data={data} />}
      </Loaded>
      <div className="charts aligned">
        <figure>
          <figcaption>Customers by recency (R) and frequency (F) score, 5 the best</figcaption>
          <Loaded query={rfm} height={320}>
            {(data) => (
              <Chart
                echarts={echarts}
                style={{ height: 320 }}
                option={heatmap(['F1', 'F2', 'F3', 'F4', 'F5'], ['R1', 'R2', 'R3', 'R4', 'R5'], data.grid)}
              />
            )}
          </Loaded>
        </figure>
        <figure>
          <figcaption>Conquest or relations</figcaption>
          <Loaded query={economics}>
            {(data) => (
              <ul>
                {data.groups.map((group) => (
                  <li key={group.persona}>{group.statement}</li>
                ))}
              </ul>
            )}
          </Loaded>
        </figure>
      </div>
      <Loaded query={risk}>
        {(data) => (
          <div className="charts aligned">
            <RiskTable title={`Slipping away (${data.atRisk.customers} in all)`} entries={data.atRisk.list} />
            <RiskTable title={`To win back (${data.winBack.customers} in all)`} entries={data.winBack.list} />
          </div>
        )}
      </Loaded>
    </section>
  );
}

function RiskTable({ title, entries }: { title: string; entries: RiskEntry[] }) {
  return (
    <figure>
      <figcaption>{title}</figcaption>
      {entries.length === 0 ? (
        <p className="empty">No one.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Customer</th>
              <th>Spent</th>
              <th>P(alive)</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.customerId}>
                <td>
                  <Link to={`/customers/${entry.customerId}`}>{entry.customerId}</Link>
                </td>
                <td>{money(entry.spent)}</td>
                <td>{entry.probabilityAlive.toFixed(2)}</td>
                <td>{entry.reasons.join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}

/** The stored lifetime values as a histogram on 1-2-5 edges (equal steps on a log scale), and its numbers. */
function ClvDistribution({ data }: { data: Distribution }) {
  const horizon = data.months ? ` over the next ${data.months} months` : '';
  return (
    <div className="charts aligned clv-distribution">
      <figure>
        <figcaption>Customers by lifetime value{horizon} (bins widen 1-2-5: a log scale)</figcaption>
        {data.notes.map((note) => (
          <p key={note} className="warning">
            {note}
          </p>
        ))}
        {data.bins.length === 0 ? (
          <p className="empty">No customer valued{data.valuedAt ? ' in this segment' : ' yet'}.</p>
        ) : (
          <Chart
            echarts={echarts}
            style={{ height: 400 }}
            option={{
              tooltip: { trigger: 'axis' },
              grid: { left: 50, right: 20, top: 30, bottom: 70 },
              xAxis: {
                type: 'category',
                name: 'lifetime value',
                nameLocation: 'middle',
                nameGap: 52,
                axisLabel: { interval: 0, rotate: 40 },
                data: data.bins.map(shortRange),
              },
              yAxis: { type: 'value', name: 'customers' },
              series: [
                {
                  name: 'customers',
                  type: 'bar',
                  barCategoryGap: '8%',
                  label: { show: true, position: 'top' },
                  data: data.bins.map((bin) => bin.customers),
                },
              ],
            }}
          />
        )}
      </figure>
      {data.bins.length > 0 && (
        <figure>
          <figcaption>
            {data.customers.toLocaleString('en-US')} customers worth {money(data.total)} in all
          </figcaption>
          <table data-testid="clv-distribution">
            <thead>
              <tr>
                <th>Lifetime value</th>
                <th className="number-cell">Customers</th>
                <th className="number-cell">Value</th>
                <th className="number-cell">Share of value</th>
              </tr>
            </thead>
            <tbody>
              {data.bins.map((bin) => (
                <tr key={bin.from}>
                  <td>{range(bin)}</td>
                  <td className="number-cell">{bin.customers.toLocaleString('en-US')}</td>
                  <td className="number-cell">{money(bin.value)}</td>
                  <td className="number-cell">
                    {data.total > 0 ? `${Math.round((bin.value / data.total) * 100)} %` : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </figure>
      )}
    </div>
  );
}
