/**
 * Signing in to the console: users with a role (an admin changes things, an analyst reads), passwords as
 * scrypt hashes, sessions held in an HTTP-only cookie with a CSRF token, and password guessing slowed down.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { generatePassword, hashPassword, verifyPassword } from './password.ts';
import type { CreatedUser, Role, Session, User } from './users.schema.ts';
import * as store from './users.store.ts';

/** A session lasts this long from sign-in. */
export const SESSION_MS = 12 * 3_600_000;
/** This many failed sign-ins for one address in the last quarter of an hour make the next wait. */
const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60_000;
/**
 * How long a session read from the database is trusted without reading it again. This process ends its held
 * sessions itself when it signs someone out or changes a user; the bound is for another server sharing the
 * PostgreSQL database, whose sign-out reaches this one within it.
 */
const HELD_SESSION_MS = 60_000;
/** At most this many sessions are held; past it, they are read again. */
const MOST_HELD_SESSIONS = 10_000;
/** The first admin, created on first start. */
export const FIRST_ADMIN_EMAIL = 'admin@agora.local';

/** What a password is checked against when no user has the address: scrypt runs all the same. */
const UNKNOWN_USER_HASH = `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(64).toString('base64')}`;

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export interface SignedIn extends Session {
  /** The cookie's value: only its hash is stored. */
  token: string;
}

/** Who a request's session cookie belongs to, and the CSRF token its changes must carry. */
export interface SessionUser {
  user: User;
  csrfToken: string;
}

type AuthenticatedSession = SessionUser & { expiresAt: Date };

export function createUserService(deps: { db: Database; clock?: Clock }) {
  const { db, clock = systemClock } = deps;
  // Every console call is authenticated: a held session spares it a database read, which could wait behind
  // long analyses for a connection. `ended` counts the changes that may end sessions, as each begins and as
  // it ends: a read begun before a change ended is not held.
  const held = new Map<string, { session: AuthenticatedSession; readAt: number }>();
  let ended = 0;
  const endHeldSessions = () => {
    held.clear();
    ended++;
  };
  const endingSessions = async (change: () => Promise<void>) => {
    endHeldSessions();
    try {
      await change();
    } finally {
      endHeldSessions();
    }
  };

  const service = {
    /** On first start, an admin with a generated password, shown once; null when any user exists. */
    async ensureFirstAdmin(): Promise<CreatedUser | null> {
      if ((await store.countUsers(db)) > 0) return null;
      return service.createUser(FIRST_ADMIN_EMAIL, 'admin');
    },

    async createUser(email: string, role: Role): Promise<CreatedUser> {
      if (await store.findUserByEmail(db, email))
        throw new AppError('CONFLICT', `email: there is already a user ${email}.`, {
          details: { field: 'email' },
        });
      const password = generatePassword();
      const row = await store.insertUser(
        db,
        { email, role, passwordHash: await hashPassword(password), mustChangePassword: true },
        clock.now(),
      );
      return { user: store.toUser(row), password };
    },

    async signIn(email: string, password: string): Promise<SignedIn> {
      const now = clock.now();
      const failures = await store.recentFailures(db, email, new Date(now.getTime() - FAILURE_WINDOW_MS));
      if (failures.length >= MAX_FAILURES) {
        const minutes = Math.ceil((failures[0]!.getTime() + FAILURE_WINDOW_MS - now.getTime()) / 60_000);
        throw new AppError(
          'RATE_LIMITED',
          `Too many wrong passwords for ${email}: try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
        );
      }
      const row = await store.findUserByEmail(db, email);
      // The same answer and about the same work whether the address or the password was wrong.
      const valid = await verifyPassword(password, row?.password_hash ?? UNKNOWN_USER_HASH);
      if (!row || !valid) {
        await store.recordFailure(db, email, now);
        throw new AppError('UNAUTHORIZED', 'Wrong email or password.');
      }
      await store.clearFailures(db, email);
      const token = randomBytes(32).toString('base64url');
      const csrfToken = randomBytes(24).toString('base64url');
      const expiresAt = new Date(now.getTime() + SESSION_MS);
      await store.insertSession(
        db,
        { tokenHash: hashToken(token), userId: row.user_id, csrfToken, expiresAt },
        now,
      );
      return { token, csrfToken, expiresAt, user: store.toUser(row) };
    },

    /** The session of a cookie's token; a 401 that says to sign in again when it is unknown or expired. */
    async authenticate(token: string): Promise<AuthenticatedSession> {
      const tokenHash = hashToken(token);
      const now = clock.now();
      const kept = held.get(tokenHash);
      if (kept && now.getTime() - kept.readAt < HELD_SESSION_MS && kept.session.expiresAt > now)
        return kept.session;
      const endedBefore = ended;
      const found = await store.findSession(db, tokenHash);
      if (!found) throw new AppError('UNAUTHORIZED', 'You are signed out: sign in again.');
      if (found.expires_at <= now) {
        await store.deleteSession(db, tokenHash);
        throw new AppError('UNAUTHORIZED', 'Your session expired: sign in again.');
      }
      const session = {
        user: store.toUser(found.user),
        csrfToken: found.csrf_token,
        expiresAt: found.expires_at,
      };
      if (ended === endedBefore) {
        if (held.size >= MOST_HELD_SESSIONS) held.clear();
        held.set(tokenHash, { session, readAt: now.getTime() });
      }
      return session;
    },

    signOut(token: string): Promise<void> {
      return endingSessions(() => store.deleteSession(db, hashToken(token)));
    },

    /** Replaces the user's password after checking the current one; their other sessions end. */
    async changePassword(userId: number, token: string, current: string, next: string): Promise<void> {
      const row = await store.findUserById(db, userId);
      if (!row || !(await verifyPassword(current, row.password_hash)))
        throw new AppError('INVALID_INPUT', 'currentPassword: is not your current password.', {
          details: { field: 'currentPassword' },
        });
      if (current === next)
        throw new AppError('INVALID_INPUT', 'newPassword: must differ from the current one.', {
          details: { field: 'newPassword' },
        });
      const passwordHash = await hashPassword(next);
      await endingSessions(async () => {
        await store.setPassword(db, userId, passwordHash, clock.now());
        await store.deleteOtherSessions(db, userId, hashToken(token));
      });
    },

    async users(): Promise<User[]> {
      return (await store.listUsers(db)).map(store.toUser);
    },

    /** Removes a user; the last admin stays, so that someone can still change things. */
    async removeUser(userId: number): Promise<void> {
      const users = await store.listUsers(db);
      const found = users.find((user) => Number(user.user_id) === userId);
      if (!found) throw new AppError('NOT_FOUND', `No user ${userId}: GET /api/users lists them.`);
      if (found.role === 'admin' && users.filter((user) => user.role === 'admin').length === 1)
        throw new AppError(
          'CONFLICT',
          'This is the last admin: make another user admin before removing this one.',
        );
      await endingSessions(() => store.deleteUser(db, userId));
    },
  };
  return service;
}

export type UserService = ReturnType<typeof createUserService>;
