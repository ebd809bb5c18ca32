import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import type { Clock } from '../../platform/clock.ts';
import { createUserService } from './users.service.ts';

describeEachEngine('console sign-in', ({ db }) => {
  let t: TestApp;
  let now = new Date('2026-04-01T09:00:00Z');
  const clock: Clock = { now: () => now };
  let adminPassword: string;

  beforeAll(async () => {
    t = await createTestApp(db(), { clock });
    const first = await createUserService(t.deps).ensureFirstAdmin();
    expect(first?.user).toMatchObject({
      email: 'admin@agora.local',
      role: 'admin',
      mustChangePassword: true,
    });
    adminPassword = first!.password;
    expect(await createUserService(t.deps).ensureFirstAdmin()).toBeNull();
  });
  afterAll(() => t.app.close());

  const signIn = (email: string, password: string) =>
    t.app.inject({ method: 'POST', url: '/api/session', payload: { email, password } });
  /** The session cookie and CSRF token of a successful sign-in. */
  const session = async (email: string, password: string) => {
    const response = await signIn(email, password);
    expect(response.statusCode, response.body).toBe(200);
    return { cookie: response.cookies[0]!.value, csrf: response.json().csrfToken as string };
  };
  const as = (
    who: { cookie: string; csrf?: string },
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: object,
  ) =>
    t.app.inject({
      method,
      url,
      cookies: { agora_session: who.cookie },
      headers: { 'x-agora-workspace': t.workspace.slug, ...(who.csrf ? { 'x-csrf-token': who.csrf } : {}) },
      ...(payload ? { payload } : {}),
    });
  const message = (response: { json(): unknown }) =>
    (response.json() as { error: { message: string } }).error.message;

  it('signs in with an HTTP-only cookie and answers the CSRF token; the session reads the API', async () => {
    const response = await signIn('Admin@Agora.local', adminPassword);
    expect(response.statusCode).toBe(200);
    expect(response.cookies[0]).toMatchObject({
      name: 'agora_session',
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
    });
    expect(response.json()).toMatchObject({
      user: { email: 'admin@agora.local', role: 'admin' },
      csrfToken: expect.any(String),
    });
    const admin = { cookie: response.cookies[0]!.value };
    expect((await as(admin, 'GET', '/api/lifecycle')).statusCode).toBe(200);
    expect((await as(admin, 'GET', '/api/session')).json()).toMatchObject({ user: { role: 'admin' } });
  });

  it('refuses a change without the session’s CSRF token', async () => {
    const admin = await session('admin@agora.local', adminPassword);
    const without = await as({ cookie: admin.cookie }, 'POST', '/api/users', { email: 'bo@example.com' });
    expect(without.statusCode).toBe(403);
    expect(message(without)).toContain('lacks the session’s CSRF token');
    const wrong = await as({ cookie: admin.cookie, csrf: 'not-it' }, 'POST', '/api/users', {
      email: 'bo@example.com',
    });
    expect(wrong.statusCode).toBe(403);
  });

  it('lets an analyst read, evaluate and sign out, and change nothing else', async () => {
    const admin = await session('admin@agora.local', adminPassword);
    const created = await as(admin, 'POST', '/api/users', { email: 'ana@example.com', role: 'analyst' });
    expect(created.statusCode).toBe(200);
    const analyst = await session('ana@example.com', created.json().password);
    expect((await as(analyst, 'GET', '/api/segments')).statusCode).toBe(200);
    expect(
      (await as(analyst, 'POST', '/api/segments/evaluate', { rules: { stage: 'action' } })).statusCode,
    ).toBe(200);
    for (const [method, url, payload] of [
      ['PUT', '/api/segments/mine', { name: 'Mine', rules: { stage: 'action' } }],
      ['POST', '/api/keys', { kind: 'write' }],
      ['POST', '/api/lifecycle/refresh', undefined],
      ['PUT', '/api/behaviors/strategies/co-creation', {}],
      ['DELETE', '/api/users/1', undefined],
    ] as const) {
      const response = await as(analyst, method, url, payload);
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(message(response)).toBe('An analyst account only reads: ask an admin to make this change.');
    }
    // Every other change the API offers, as its OpenAPI document lists them: refused before it is read.
    const openapi = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const mayChange = Object.entries(openapi.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .map((method) => `${method.toUpperCase()} ${path}`)
        .filter((route) => /^(POST|PUT|PATCH|DELETE) \/api\//.test(route)),
    );
    // Reads sent as POST (a rule tree, a funnel), and the analyst's own session and password.
    const allowed = [
      'POST /api/segments/evaluate',
      'POST /api/funnels',
      'POST /api/session',
      'DELETE /api/session',
      'PUT /api/session/password',
    ];
    expect(mayChange.length).toBeGreaterThan(30);
    for (const route of mayChange.filter((entry) => !allowed.includes(entry))) {
      const [method, path] = route.split(' ') as ['POST' | 'PUT' | 'DELETE', string];
      const response = await as(analyst, method, path.replace(/\{[^}]+\}/g, '1'), {});
      expect(response.statusCode, route).toBe(403);
    }
    expect((await as(analyst, 'DELETE', '/api/session')).statusCode).toBe(204);
    const after = await as(analyst, 'GET', '/api/segments');
    expect(after.statusCode).toBe(401);
    expect(message(after)).toBe('You are signed out: sign in again.');
  });

  it('tells each signed-in user who they are, however often they ask', async () => {
    const admin = await session('admin@agora.local', adminPassword);
    const created = await as(admin, 'POST', '/api/users', { email: 'bea@example.com', role: 'admin' });
    const bea = await session('bea@example.com', created.json().password);
    // Reads are kept until the data changes (platform/http/answer-cache.ts); this one is each asker's own.
    for (const [who, email] of [
      [admin, 'admin@agora.local'],
      [bea, 'bea@example.com'],
      [admin, 'admin@agora.local'],
      [bea, 'bea@example.com'],
    ] as const) {
      const answer = (await as(who, 'GET', '/api/session')).json();
      expect(answer.user.email).toBe(email);
      expect(answer.csrfToken).toBe(who.csrf);
    }
    const beaId = created.json().user.userId;
    expect((await as(admin, 'DELETE', `/api/users/${beaId}`)).statusCode).toBe(204);
  });

  it('ends a session after 12 hours', async () => {
    const admin = await session('admin@agora.local', adminPassword);
    now = new Date(now.getTime() + 12 * 3_600_000 + 1);
    const response = await as(admin, 'GET', '/api/lifecycle');
    expect(response.statusCode).toBe(401);
    expect(message(response)).toBe('Your session expired: sign in again.');
  });

  it('changes a password, checking the current one, and ends the other sessions', async () => {
    const first = await session('admin@agora.local', adminPassword);
    const second = await session('admin@agora.local', adminPassword);
    const wrong = await as(first, 'PUT', '/api/session/password', {
      currentPassword: 'guess',
      newPassword: 'a much longer password',
    });
    expect(message(wrong)).toBe('currentPassword: is not your current password.');
    const short = await as(first, 'PUT', '/api/session/password', {
      currentPassword: adminPassword,
      newPassword: 'short',
    });
    expect(short.statusCode).toBe(400);
    expect(message(short)).toContain('newPassword');
    const changed = await as(first, 'PUT', '/api/session/password', {
      currentPassword: adminPassword,
      newPassword: 'lamps for every room',
    });
    expect(changed.statusCode).toBe(204);
    expect((await as(first, 'GET', '/api/session')).json()).toMatchObject({
      user: { mustChangePassword: false },
    });
    expect((await as(second, 'GET', '/api/session')).statusCode).toBe(401);
    adminPassword = 'lamps for every room';
  });

  it('slows down password guessing: the sixth wrong password in a quarter of an hour waits', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await signIn('admin@agora.local', `wrong ${i}`);
      expect(response.statusCode).toBe(401);
      expect(message(response)).toBe('Wrong email or password.');
    }
    const limited = await signIn('admin@agora.local', adminPassword);
    expect(limited.statusCode).toBe(429);
    expect(message(limited)).toBe('Too many wrong passwords for admin@agora.local: try again in 15 minutes.');
    now = new Date(now.getTime() + 15 * 60_000);
    expect((await signIn('admin@agora.local', adminPassword)).statusCode).toBe(200);
    // An unknown address gets the same answer as a wrong password.
    expect(message(await signIn('nobody@example.com', 'x'))).toBe('Wrong email or password.');
  });

  it('keeps the last admin', async () => {
    const admin = await session('admin@agora.local', adminPassword);
    const { users } = (await as(admin, 'GET', '/api/users')).json() as {
      users: { userId: number; role: string }[];
    };
    const self = users.find((user) => user.role === 'admin')!;
    const response = await as(admin, 'DELETE', `/api/users/${self.userId}`);
    expect(response.statusCode).toBe(409);
    expect(message(response)).toContain('This is the last admin');
  });
});
