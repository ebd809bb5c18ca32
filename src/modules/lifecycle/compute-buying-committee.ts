import type { MemberRow } from './buying-committee.query.ts';
import { type AccountLifecycle, KEY_BUYING_ROLES, STAGES } from './lifecycle.schema.ts';

/** Member rows, ordered by account → one summary per account: its stage and who in the committee engaged. */
export function computeBuyingCommittees(rows: MemberRow[]): AccountLifecycle[] {
  const accounts = new Map<number, AccountLifecycle & { rank: number }>();
  for (const row of rows) {
    let account = accounts.get(row.account_id);
    if (!account) {
      account = {
        accountId: row.account_id,
        name: row.account_name,
        externalId: row.external_id,
        stage: null,
        rank: -1,
        members: 0,
        engagedMembers: 0,
        roles: {},
        missingRoles: [],
      };
      accounts.set(row.account_id, account);
    }
    const engaged = row.stage !== null;
    account.members += 1;
    if (engaged) account.engagedMembers += 1;
    const roleName = row.buying_role ?? 'unknown';
    const role = account.roles[roleName] ?? { members: 0, engaged: 0 };
    account.roles[roleName] = role;
    role.members += 1;
    if (engaged) role.engaged += 1;
    const rank = row.stage === null ? -1 : STAGES.indexOf(row.stage);
    if (rank > account.rank) {
      account.rank = rank;
      account.stage = row.stage;
    }
  }
  return [...accounts.values()].map(({ rank: _rank, ...account }) => ({
    ...account,
    missingRoles: KEY_BUYING_ROLES.filter((role) => !account.roles[role]?.engaged),
  }));
}
