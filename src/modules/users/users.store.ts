/** Users, their sessions and failed sign-ins (migration 0011). */
import type { Queryable } from '../../platform/db/database.ts';
import type { Role, User } from './users.schema.ts';

interface UserRow {
  user_id: number;
  email: string;
  role: Role;
  password_hash: string;
  must_change_password: boolean;
  created_at: Date;
}

const COLUMNS = 'user_id, email, role, password_hash, must_change_password, created_at';

export const toUser = (row: UserRow): User => ({
  userId: Number(row.user_id),
  email: row.email,
  role: row.role,
  mustChangePassword: Boolean(row.must_change_password),
  createdAt: new Date(row.created_at),
});

export async function countUsers(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>('SELECT count(*) AS n FROM users');
  return Number(row?.n ?? 0);
}

export async function insertUser(
  db: Queryable,
  user: { email: string; role: Role; passwordHash: string; mustChangePassword: boolean },
  now: Date,
): Promise<UserRow> {
  const [row] = await db.query<UserRow>(
    `INSERT INTO users (email, role, password_hash, must_change_password, created_at, password_changed_at)
     VALUES ($1, $2, $3, $4, $5, $5) RETURNING ${COLUMNS}`,
    [user.email, user.role, user.passwordHash, user.mustChangePassword, now],
  );
  return row!;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | null> {
  const [row] = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE email = $1`, [email]);
  return row ?? null;
}

export async function findUserById(db: Queryable, userId: number): Promise<UserRow | null> {
  const [row] = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE user_id = $1`, [userId]);
  return row ?? null;
}

export async function listUsers(db: Queryable): Promise<UserRow[]> {
  return db.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY user_id`);
}

export async function setPassword(
  db: Queryable,
  userId: number,
  passwordHash: string,
  now: Date,
): Promise<void> {
  await db.query(
    `UPDATE users SET password_hash = $2, must_change_password = FALSE, password_changed_at = $3 WHERE user_id = $1`,
    [userId, passwordHash, now],
  );
}

export async function deleteUser(db: Queryable, userId: number): Promise<void> {
  await db.query('DELETE FROM user_sessions WHERE user_id = $1', [userId]);
  await db.query('DELETE FROM users WHERE user_id = $1', [userId]);
}

export async function insertSession(
  db: Queryable,
  session: { tokenHash: string; userId: number; csrfToken: string; expiresAt: Date },
  now: Date,
): Promise<void> {
  await db.query(
    'INSERT INTO user_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
    [session.tokenHash, session.userId, session.csrfToken, now, session.expiresAt],
  );
}

export async function findSession(
  db: Queryable,
  tokenHash: string,
): Promise<{ user: UserRow; csrf_token: string; expires_at: Date } | null> {
  const [row] = await db.query<UserRow & { csrf_token: string; expires_at: Date }>(
    `SELECT u.user_id, u.email, u.role, u.password_hash, u.must_change_password, u.created_at, s.csrf_token, s.expires_at
     FROM user_sessions s JOIN users u ON u.user_id = s.user_id WHERE s.token_hash = $1`,
    [tokenHash],
  );
  return row ? { user: row, csrf_token: row.csrf_token, expires_at: new Date(row.expires_at) } : null;
}

export async function deleteSession(db: Queryable, tokenHash: string): Promise<void> {
  await db.query('DELETE FROM user_sessions WHERE token_hash = $1', [tokenHash]);
}

/** Ends a user's other sessions (after a password change), keeping the one given. */
export async function deleteOtherSessions(db: Queryable, userId: number, keep: string): Promise<void> {
  await db.query('DELETE FROM user_sessions WHERE user_id = $1 AND token_hash <> $2', [userId, keep]);
}

export async function recordFailure(db: Queryable, email: string, now: Date): Promise<void> {
  await db.query('INSERT INTO sign_in_failures (email, failed_at) VALUES ($1, $2)', [email, now]);
}

export async function recentFailures(db: Queryable, email: string, since: Date): Promise<Date[]> {
  const rows = await db.query<{ failed_at: Date }>(
    'SELECT failed_at FROM sign_in_failures WHERE email = $1 AND failed_at > $2 ORDER BY failed_at',
    [email, since],
  );
  return rows.map((row) => new Date(row.failed_at));
}

export async function clearFailures(db: Queryable, email: string): Promise<void> {
  await db.query('DELETE FROM sign_in_failures WHERE email = $1', [email]);
}
