import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { STAGES } from '../../../src/modules/taxonomy/stages.ts';
import { api } from '../api.ts';
import { Chart, echarts } from '../components/charts.ts';
import { Loaded } from '../components/Loaded.tsx';

interface AccountSummary {
  accountId: number;
  name: string | null;
  externalId: string | null;
  stage: string | null;
  members: number;
  engagedMembers: number;
  roles: Record<string, { members: number; engaged: number }>;
  missingRoles: string[];
}
interface AccountPage {
  total: number;
  accounts: AccountSummary[];
}
interface CommitteeMember {
  customerId: number;
  buyingRole: string | null;
  title: string | null;
  email: string | null;
  stage: string | null;
  lastSeenAt: string | null;
}
interface AccountCommittee extends AccountSummary {
  committee: CommitteeMember[];
}
interface SegmentPath {
  segment: 'b2b' | 'b2c';
  buyers: number;
  meanDaysToPurchase: number | null;
  medianDaysToPurchase: number | null;
  p90DaysToPurchase: number | null;
  meanTouchesToPurchase: number | null;
  medianTouchesToPurchase: number | null;
  informationSeekingShare: number | null;
  peoplePerPurchase: number | null;
}

const PAGE_SIZE = 50;
/** The buying roles Agora knows, each with the colour it has in every committee drawn. */
const ROLE_COLORS: Record<string, string> = {
  decision_maker: '#c2410c',
  economic_buyer: '#7c3aed',
  champion: '#15803d',
  influencer: '#0369a1',
  user: '#a16207',
  gatekeeper: '#be185d',
  unknown: '#64748b',
};
const SORTS = {
  id: 'first seen',
  stage: 'stage, furthest first',
  members: 'committee size',
  missing: 'key roles missing',
  name: 'name',
} as const;
type Sort = keyof typeof SORTS;

/** Roles in the order of ROLE_COLORS, the ones Agora does not know last. */
const roleOrder = (role: string) => {
  const index = Object.keys(ROLE_COLORS).indexOf(role);
  return index === -1 ? Number.MAX_SAFE_INTEGER : index;
};
const roleName = (role: string | null) => (role ?? 'unknown').replaceAll('_', ' ');
const accountName = (account: AccountSummary) =>
  account.name ?? account.externalId ?? `Account ${account.accountId}`;
const memberName = (member: CommitteeMember) => member.email ?? `Customer ${member.customerId}`;
const stageRank = (stage: string | null) =>
  stage === null ? -1 : (STAGES as readonly string[]).indexOf(stage);
const fixed = (value: number | null, digits = 1) => (value === null ? '–' : value.toFixed(digits));
const percent = (share: number | null) => (share === null ? '–' : `${(share * 100).toFixed(1)} %`);
/** Tooltips are HTML, and names come from the tracked data. */
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

function sorted(accounts: AccountSummary[], sort: Sort): AccountSummary[] {
  const by: Record<Sort, (a: AccountSummary, b: AccountSummary) => number> = {
    id: (a, b) => a.accountId - b.accountId,
    stage: (a, b) => stageRank(b.stage) - stageRank(a.stage),
    members: (a, b) => b.members - a.members,
    missing: (a, b) => b.missingRoles.length - a.missingRoles.length,
    name: (a, b) => accountName(a).localeCompare(accountName(b), 'en', { numeric: true }),
  };
  return [...accounts].sort((a, b) => by[sort](a, b) || a.accountId - b.accountId);
}

/** B2B accounts side by side, one account's buying committee as a network, and B2B against B2C. */
export default function BuyingCommittees() {
  const [offset, setOffset] = useState(0);
  const [sort, setSort] = useState<Sort>('id');
  const [chosen, setChosen] = useState<number | null>(null);
  const accountsPath = `/api/lifecycle/accounts?limit=${PAGE_SIZE}&offset=${offset}`;
  const accounts = useQuery({
    queryKey: [accountsPath],
    queryFn: () => api<AccountPage>('GET', accountsPath),
  });
  const comparison = useQuery({
    queryKey: ['/api/lifecycle/b2b-vs-b2c'],
    queryFn: () => api<{ segments: SegmentPath[] }>('GET', '/api/lifecycle/b2b-vs-b2c'),
  });
  const shown = accounts.data ? sorted(accounts.data.accounts, sort) : [];
  const selected = chosen ?? shown[0]?.accountId ?? null;
  return (
    <>
      <h3>B2B buying committees</h3>
      <figure>
        <figcaption>
          B2B accounts and their buying committees (all time; an account stands where its furthest member
          stands){' '}
          <select
            aria-label="Sort accounts by"
            value={sort}
            onChange={(event) => setSort(event.target.value as Sort)}
          >
            {Object.entries(SORTS).map(([value, label]) => (
              <option key={value} value={value}>
                by {label}
              </option>
            ))}
          </select>
        </figcaption>
        <Loaded query={accounts} height={240}>
          {(data) =>
            data.accounts.length === 0 ? (
              <p className="empty">
                {data.total === 0
                  ? 'No B2B accounts yet'
                  : `${data.total.toLocaleString('en-US')} accounts, none with members on this page`}
                : send Segment <code>group</code> calls (groupId: the account; traits: its name and the
                caller’s buying_role, one of decision_maker, economic_buyer, champion, influencer, user,
                gatekeeper), or import people with account_id and buying_role columns (
                <code>agora import customers people.csv</code>).
              </p>
            ) : (
              <>
                <p data-testid="account-count">
                  {data.total.toLocaleString('en-US')} B2B {data.total === 1 ? 'account' : 'accounts'}
                  {data.total > PAGE_SIZE && `; ${offset + 1}–${offset + data.accounts.length} shown`}
                </p>
                <div className="accounts-scroll">
                  <table data-testid="accounts">
                    <thead>
                      <tr>
                        <th>Account</th>
                        <th>Stage</th>
                        <th>Engaged / members</th>
                        <th>Roles covered (engaged of members)</th>
                        <th>Key roles missing</th>
                      </tr>
                    </thead>
                    <tbody>
                      {shown.map((account) => (
                        <tr
                          key={account.accountId}
                          className={account.accountId === selected ? 'account-chosen' : undefined}
                        >
                          <td>
                            <button
                              type="button"
                              className="account-pick"
                              aria-pressed={account.accountId === selected}
                              onClick={() => setChosen(account.accountId)}
                            >
                              {accountName(account)}
                            </button>
                          </td>
                          <td>{account.stage ?? 'not in the funnel'}</td>
                          <td>
                            {account.engagedMembers} / {account.members}
                          </td>
                          <td>
                            {Object.entries(account.roles)
                              .sort(([a], [b]) => roleOrder(a) - roleOrder(b))
                              .map(([role, count]) => `${roleName(role)} ${count.engaged}/${count.members}`)
                              .join(', ')}
                          </td>
                          <td className={account.missingRoles.length > 0 ? 'missing-roles' : undefined}>
                            {account.missingRoles.map(roleName).join(', ') || '–'}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                {data.total > PAGE_SIZE && (
                  <p className="account-pager">
                    <button
                      type="button"
                      disabled={offset === 0}
                      onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
                    >
                      Previous accounts
                    </button>
                    <button
                      type="button"
                      disabled={offset + PAGE_SIZE >= data.total}
                      onClick={() => setOffset(offset + PAGE_SIZE)}
                    >
                      Next accounts
                    </button>
                  </p>
                )}
              </>
            )
          }
        </Loaded>
        {selected !== null && <Committee accountId={selected} />}
      </figure>
      <figure>
        <figcaption>B2B against B2C on the way to a first purchase (all time)</figcaption>
        <Loaded query={comparison} height={240}>
          {(data) =>
            data.segments.length === 0 ? (
              <p className="empty">No first purchase yet: the comparison needs customers who bought.</p>
            ) : (
              <SegmentComparison segments={data.segments} />
            )
          }
        </Loaded>
      </figure>
    </>
  );
}

/** The account in the middle, its members around it, coloured by role; members not yet in the funnel dashed. */
function Committee({ accountId }: { accountId: number }) {
  const path = `/api/lifecycle/accounts/${accountId}`;
  const account = useQuery({ queryKey: [path], queryFn: () => api<AccountCommittee>('GET', path) });
  return (
    <Loaded query={account} height={420}>
      {(data) => {
        const roles = [...new Set(data.committee.map((member) => member.buyingRole ?? 'unknown'))];
        const radius = 150;
        const nodes = [
          {
            id: 'account',
            name: accountName(data),
            x: 0,
            y: 0,
            symbolSize: 44,
            symbol: 'roundRect',
            itemStyle: { color: '#1d2330' },
            label: {
              show: true,
              position: 'bottom' as const,
              backgroundColor: '#fff',
              padding: 2,
              lineHeight: 16,
              formatter: `{name|${accountName(data).replace(/[{}|]/g, '')}}\n${data.stage ?? 'not in the funnel'}`,
              rich: { name: { fontWeight: 'bold' as const, fontSize: 13 } },
            },
            tooltip: {
              formatter: `<strong>${escapeHtml(accountName(data))}</strong><br/>stage: ${data.stage ?? 'not in the funnel'}<br/>${data.engagedMembers} of ${data.members} members engaged`,
            },
          },
          ...data.committee.map((member, index) => {
            const angle = -Math.PI / 2 + (2 * Math.PI * index) / data.committee.length;
            const role = member.buyingRole ?? 'unknown';
            return {
              id: String(member.customerId),
              name: memberName(member),
              x: Math.cos(angle) * radius,
              y: Math.sin(angle) * radius,
              category: roles.indexOf(role),
              symbolSize: 26 + 5 * Math.max(0, stageRank(member.stage)),
              itemStyle: {
                color: ROLE_COLORS[role] ?? ROLE_COLORS.unknown,
                opacity: member.stage ? 1 : 0.45,
              },
              label: {
                show: true,
                position: (Math.cos(angle) < -0.3
                  ? 'left'
                  : Math.cos(angle) > 0.3
                    ? 'right'
                    : Math.sin(angle) < 0
                      ? 'top'
                      : 'bottom') as 'left',
                lineHeight: 14,
                formatter: `${roleName(member.buyingRole)}\n${member.stage ?? 'not in the funnel'}`,
              },
              tooltip: {
                formatter: [
                  `<strong>${escapeHtml(memberName(member))}</strong>`,
                  `role: ${escapeHtml(roleName(member.buyingRole))}`,
                  ...(member.title ? [`title: ${escapeHtml(member.title)}`] : []),
                  `stage: ${member.stage ?? 'not in the funnel'}`,
                  ...(member.lastSeenAt ? [`last seen: ${member.lastSeenAt.slice(0, 10)}`] : []),
                ].join('<br/>'),
              },
            };
          }),
        ];
        // Invisible corners: the graph fits its nodes' extent to the view, so they keep it square.
        const anchors = [-1, 1].map((corner) => ({
          id: `corner${corner}`,
          name: '',
          x: corner * radius,
          y: corner * radius,
          symbolSize: 0,
          itemStyle: { opacity: 0 },
          label: { show: false },
          tooltip: { show: false },
          emphasis: { disabled: true },
        }));
        return (
          <div className="committee-view">
            <div>
              <h4 data-testid="committee-title">
                {accountName(data)}: {data.members} {data.members === 1 ? 'member' : 'members'},{' '}
                {data.engagedMembers} engaged
              </h4>
              {data.missingRoles.length > 0 && (
                <p className="warning">
                  No engaged {data.missingRoles.map(roleName).join(', ')}: the deal lacks a key role.
                </p>
              )}
              <Chart
                echarts={echarts}
                style={{ height: 420 }}
                option={{
                  tooltip: {},
                  legend: { data: roles.map((role) => roleName(role)), bottom: 0 },
                  series: [
                    {
                      type: 'graph',
                      layout: 'none',
                      roam: false,
                      // A square view over the square the anchors span: the circle stays round.
                      top: 50,
                      left: 'center',
                      width: 300,
                      height: 300,
                      categories: roles.map((role) => ({
                        name: roleName(role),
                        itemStyle: { color: ROLE_COLORS[role] ?? ROLE_COLORS.unknown },
                      })),
                      data: [...nodes, ...anchors],
                      links: data.committee.map((member) => ({
                        source: 'account',
                        target: String(member.customerId),
                        lineStyle: { type: member.stage ? 'solid' : 'dashed', width: 2, opacity: 0.6 },
                      })),
                      emphasis: { focus: 'adjacency' },
                    },
                  ],
                }}
              />
            </div>
            <table data-testid="committee">
              <caption>The buying committee of {accountName(data)}</caption>
              <thead>
                <tr>
                  <th>Member</th>
                  <th>Role</th>
                  <th>Title</th>
                  <th>Stage</th>
                  <th>Last seen</th>
                </tr>
              </thead>
              <tbody>
                {data.committee.map((member) => (
                  <tr key={member.customerId}>
                    <td>
                      <Link to={`/customers/${member.customerId}`}>{memberName(member)}</Link>
                    </td>
                    <td>
                      <span
                        className="role-swatch"
                        style={{
                          background: ROLE_COLORS[member.buyingRole ?? 'unknown'] ?? ROLE_COLORS.unknown,
                        }}
                        aria-hidden="true"
                      />
                      {roleName(member.buyingRole)}
                    </td>
                    <td>{member.title ?? '–'}</td>
                    <td>{member.stage ?? 'not in the funnel'}</td>
                    <td>{member.lastSeenAt?.slice(0, 10) ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      }}
    </Loaded>
  );
}

function SegmentComparison({ segments }: { segments: SegmentPath[] }) {
  const rows: Array<[string, (segment: SegmentPath) => string]> = [
    ['Buyers', (segment) => segment.buyers.toLocaleString('en-US')],
    ['Median days to first purchase', (segment) => fixed(segment.medianDaysToPurchase)],
    ['Mean days', (segment) => fixed(segment.meanDaysToPurchase)],
    ['Days within which 90 % bought', (segment) => fixed(segment.p90DaysToPurchase)],
    ['Median touchpoints before it', (segment) => fixed(segment.medianTouchesToPurchase, 0)],
    ['Mean touchpoints', (segment) => fixed(segment.meanTouchesToPurchase)],
    ['Information seeking (share of touchpoints)', (segment) => percent(segment.informationSeekingShare)],
    ['People per purchase', (segment) => fixed(segment.peoplePerPurchase)],
  ];
  const bars: Array<[string, (segment: SegmentPath) => number | null]> = [
    ['median days', (segment) => segment.medianDaysToPurchase],
    ['median touchpoints', (segment) => segment.medianTouchesToPurchase],
    [
      'information seeking %',
      (segment) => (segment.informationSeekingShare === null ? null : segment.informationSeekingShare * 100),
    ],
    ['people per purchase', (segment) => segment.peoplePerPurchase],
  ];
  return (
    <div className="charts segment-comparison">
      <table data-testid="b2b-vs-b2c">
        <thead>
          <tr>
            <th />
            {segments.map((segment) => (
              <th key={segment.segment}>{segment.segment.toUpperCase()}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              {segments.map((segment) => (
                <td key={segment.segment}>{value(segment)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <Chart
        echarts={echarts}
        style={{ height: 280 }}
        option={{
          // One small chart per measure: days, touchpoints, shares and people do not share an axis.
          tooltip: { trigger: 'axis', valueFormatter: (value: number) => value?.toFixed(1) ?? '–' },
          grid: bars.map((_, index) => ({
            left: `${4 + index * 25}%`,
            width: '17%',
            top: 20,
            bottom: 50,
          })),
          xAxis: bars.map(([label], index) => ({
            type: 'category',
            gridIndex: index,
            data: segments.map((segment) => segment.segment.toUpperCase()),
            name: label,
            nameLocation: 'middle',
            nameGap: 30,
          })),
          yAxis: bars.map((_, index) => ({ type: 'value', gridIndex: index })),
          series: bars.map(([label, value], index) => ({
            type: 'bar',
            name: label,
            xAxisIndex: index,
            yAxisIndex: index,
            data: segments.map((segment) => ({
              value: value(segment),
              itemStyle: { color: segment.segment === 'b2b' ? '#3b5bdb' : '#94a3b8' },
            })),
            label: {
              show: true,
              position: 'top',
              formatter: ({ value: shown }: { value: number | null }) =>
                shown === null ? '–' : shown.toFixed(label === 'median touchpoints' ? 0 : 1),
            },
          })),
        }}
      />
    </div>
  );
}
