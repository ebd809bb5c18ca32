/** One saved segment: its rules, size now and over time, members page by page, export, refresh and webhook. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, download } from '../api.ts';
import { Chart, echarts } from '../components/charts.ts';
import { Loaded } from '../components/Loaded.tsx';
import { SegmentRules } from './SegmentRules.tsx';
import { SegmentWebhook } from './SegmentWebhook.tsx';

export interface SavedSegment {
  slug: string;
  name: string;
  description: string | null;
  rules: unknown;
  webhookUrl: string | null;
  refreshMinutes: number;
  members: number | null;
  refreshedAt: string | null;
}
interface Sizes {
  sizes: Array<{ refreshedAt: string; members: number; joined: number; left: number }>;
}
interface MembersPage {
  size: number;
  refreshedAt: string | null;
  members: Array<{
    customerId: number;
    userId: string | null;
    email: string | null;
    stage: string | null;
    joinedAt: string;
  }>;
}
interface Refresh {
  members: number;
  joined: number;
  left: number;
  deliveries: number;
}

const PAGE = 20;
const minute = (time: string | null) => time?.slice(0, 16).replace('T', ' ') ?? '–';
const count = (n: number) => n.toLocaleString('en-US');

export default function SegmentDetail() {
  const slug = useParams().slug!;
  const path = `/api/segments/${encodeURIComponent(slug)}`;
  const queries = useQueryClient();
  const segment = useQuery({
    queryKey: ['segment', slug],
    queryFn: () => api<SavedSegment>('GET', path),
  });
  const sizes = useQuery({
    queryKey: ['segment', slug, 'sizes'],
    queryFn: () => api<Sizes>('GET', `${path}/sizes`),
  });
  const refresh = useMutation({
    mutationFn: () => api<Refresh>('POST', `${path}/refresh`),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: ['segment', slug] });
      void queries.invalidateQueries({ queryKey: ['segments'] });
    },
  });
  return (
    <section>
      <p>
        <Link to="/segments">← Segments</Link>
      </p>
      <Loaded query={segment}>
        {(data) => (
          <>
            <h2>{data.name}</h2>
            <p className="empty">
              <code>{slug}</code>
              {data.description ? ` — ${data.description}` : ''}
            </p>
            <div className="numbers">
              <div className="number">
                <span className="value" data-testid="segment-size">
                  {data.members === null ? '–' : count(data.members)}
                </span>
                <span className="label">members at the last refresh</span>
              </div>
              <div className="number">
                <span className="value">{minute(data.refreshedAt)}</span>
                <span className="label">last refreshed (UTC), at least every {data.refreshMinutes} min</span>
              </div>
            </div>
            <div className="segment-actions">
              <button type="button" onClick={() => refresh.mutate()} disabled={refresh.isPending}>
                {refresh.isPending ? 'Refreshing…' : 'Refresh now'}
              </button>
              <a
                href={`${path}/export.csv`}
                download={`${slug}.csv`}
                onClick={(event) => {
                  event.preventDefault();
                  download(`${path}/export.csv`, `${slug}.csv`).catch((error: Error) =>
                    window.alert(error.message),
                  );
                }}
              >
                Export the members as CSV
              </a>
              {refresh.isError && (
                <span className="error" role="alert">
                  {refresh.error.message}
                </span>
              )}
              {refresh.data && (
                <span className="created" role="status">
                  Refreshed: {count(refresh.data.members)} members, {count(refresh.data.joined)} joined,{' '}
                  {count(refresh.data.left)} left, {count(refresh.data.deliveries)} webhook deliveries queued.
                </span>
              )}
            </div>
            <div className="charts segment-charts">
              <figure>
                <figcaption>Rules</figcaption>
                <div className="rules" data-testid="segment-rules">
                  <SegmentRules rule={data.rules} />
                </div>
              </figure>
              <figure>
                <figcaption>Size at each refresh</figcaption>
                <Loaded query={sizes} height={240}>
                  {({ sizes: points }) =>
                    points.length === 0 ? (
                      <p className="empty">Not refreshed yet.</p>
                    ) : (
                      <Chart
                        echarts={echarts}
                        style={{ height: 240 }}
                        option={{
                          tooltip: { trigger: 'axis' },
                          legend: { bottom: 0 },
                          grid: { left: 50, right: 20, top: 20, bottom: 60 },
                          // One category per refresh: refreshes can be seconds or days apart.
                          xAxis: {
                            type: 'category',
                            data: points.map((point) => point.refreshedAt.slice(5, 19).replace('T', ' ')),
                            axisLabel: { hideOverlap: true },
                          },
                          yAxis: { type: 'value', minInterval: 1 },
                          series: [
                            {
                              name: 'Members',
                              type: 'line',
                              showSymbol: points.length < 50,
                              data: points.map((point) => point.members),
                            },
                            {
                              name: 'Joined',
                              type: 'bar',
                              barMaxWidth: 24,
                              data: points.map((point) => point.joined),
                            },
                            {
                              name: 'Left',
                              type: 'bar',
                              barMaxWidth: 24,
                              data: points.map((point) => point.left),
                            },
                          ],
                        }}
                      />
                    )
                  }
                </Loaded>
              </figure>
            </div>
            <Members path={path} slug={slug} />
            <SegmentWebhook segment={data} />
          </>
        )}
      </Loaded>
    </section>
  );
}

function Members({ path, slug }: { path: string; slug: string }) {
  const [offset, setOffset] = useState(0);
  const members = useQuery({
    queryKey: ['segment', slug, 'members', offset],
    queryFn: () => api<MembersPage>('GET', `${path}/members?limit=${PAGE}&offset=${offset}`),
    placeholderData: keepPreviousData,
  });
  return (
    <figure>
      <figcaption>Members as of the last refresh, by customer id</figcaption>
      <Loaded query={members}>
        {(data) =>
          data.size === 0 ? (
            <p className="empty">No customer is a member.</p>
          ) : (
            <>
              <table data-testid="segment-members">
                <thead>
                  <tr>
                    <th>Customer</th>
                    <th>User id</th>
                    <th>Email</th>
                    <th>Stage</th>
                    <th>Joined (UTC)</th>
                  </tr>
                </thead>
                <tbody>
                  {data.members.map((member) => (
                    <tr key={member.customerId}>
                      <td>
                        <Link to={`/customers/${member.customerId}`}>{member.customerId}</Link>
                      </td>
                      <td>{member.userId ?? '–'}</td>
                      <td>{member.email ?? '–'}</td>
                      <td>{member.stage ?? '–'}</td>
                      <td>{minute(member.joinedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="pager">
                <button
                  type="button"
                  disabled={offset === 0 || members.isFetching}
                  onClick={() => setOffset(Math.max(0, offset - PAGE))}
                >
                  Previous
                </button>
                <span data-testid="members-range">
                  {count(offset + 1)}–{count(offset + data.members.length)} of {count(data.size)}
                </span>
                <button
                  type="button"
                  disabled={offset + PAGE >= data.size || members.isFetching}
                  onClick={() => setOffset(offset + PAGE)}
                >
                  Next
                </button>
              </p>
            </>
          )
        }
      </Loaded>
    </figure>
  );
}
