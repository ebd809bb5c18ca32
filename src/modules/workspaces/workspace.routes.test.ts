import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, invalidInputMessage, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { createUserService } from '../users/index.ts';

describeEachEngine('workspaces API', ({ db }) => {
  let t: TestApp;
  let admin: { cookie: string; csrf: string };

  const signIn = async (email: string, password: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email, password },
    });
    expect(response.statusCode, response.body).toBe(200);
    return { cookie: response.cookies[0]!.value, csrf: response.json().csrfToken as string };
  };
  const as = (
    who: { cookie: string; csrf: string },
    method: 'GET' | 'POST',
    url: string,
    options: { payload?: object; workspace?: string } = {},
  ) =>
    t.app.inject({
      method,
      url,
      cookies: { agora_session: who.cookie },
      headers: {
        'x-csrf-token': who.csrf,
        ...(options.workspace ? { 'x-agora-workspace': options.workspace } : {}),
      },
      ...(options.payload ? { payload: options.payload } : {}),
    });
  const slugs = (response: { json(): unknown }) =>
    (response.json() as { workspaces: Array<{ slug: string }> }).workspaces.map(
      (workspace) => workspace.slug,
    );

  beforeAll(async () => {
    t = await createTestApp(db(), { localToken: 'local_test_token' });
    const first = await createUserService(t.deps).ensureFirstAdmin();
    admin = await signIn('admin@agora.local', first!.password);
  });
  afterAll(() => t.app.close());

  it('lets a signed-in admin create a workspace and lists every workspace of the installation', async () => {
    const created = await as(admin, 'POST', '/api/workspaces', {
      workspace: t.workspace.slug,
      payload: { slug: 'acme', name: '  Acme Ltd ' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ slug: 'acme', name: 'Acme Ltd' });
    expect(typeof created.json().workspaceId).toBe('number');
    const list = await as(admin, 'GET', '/api/workspaces', { workspace: t.workspace.slug });
    expect(list.statusCode).toBe(200);
    expect(slugs(list)).toEqual([t.workspace.slug, 'acme']);
  });

  it('makes the new workspace empty, with the default taxonomy, and acts on it when the header names it', async () => {
    const keys = await as(admin, 'GET', '/api/keys', { workspace: 'acme' });
    expect(keys.json()).toEqual({ keys: [] });
    const taxonomy = await as(admin, 'GET', '/api/taxonomy', { workspace: 'acme' });
    expect(taxonomy.json().rules.length).toBeGreaterThan(0);
    const made = await as(admin, 'POST', '/api/keys', { workspace: 'acme', payload: { kind: 'write' } });
    expect(made.statusCode).toBe(201);
    const home = await as(admin, 'GET', '/api/keys', { workspace: t.workspace.slug });
    expect(home.json().keys.map((key: { keyId: string }) => key.keyId)).not.toContain(made.json().keyId);
    const funnel = await as(admin, 'GET', '/api/lifecycle', { workspace: 'acme' });
    expect(funnel.json().groups).toEqual([]);
  });

  it('says what to fix in a slug or a name, and refuses a slug that is taken', async () => {
    const create = (payload: object) =>
      as(admin, 'POST', '/api/workspaces', { workspace: t.workspace.slug, payload });
    expect(invalidInputMessage(await create({ slug: 'Acme Ltd', name: 'Acme' }))).toBe(
      'Invalid request: body.slug: must be lowercase letters, digits and dashes, e.g. "acme".',
    );
    expect(invalidInputMessage(await create({ slug: 'beta', name: '   ' }))).toBe(
      'Invalid request: body.name: must not be empty.',
    );
    const taken = await create({ slug: 'acme', name: 'Another Acme' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error).toEqual({
      code: 'CONFLICT',
      message: 'There is already a workspace "acme": choose another slug, or switch to that one.',
    });
  });

  it('answers 404 with a clear message when a session names a workspace that does not exist', async () => {
    const response = await as(admin, 'GET', '/api/keys', { workspace: 'nowhere' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toEqual({
      code: 'NOT_FOUND',
      message:
        'There is no workspace "nowhere": choose one in the console\'s workspace switcher (GET /api/workspaces lists them), or leave out the X-Agora-Workspace header to use "default".',
    });
  });

  it('lets an analyst list the workspaces and refuses them a new one', async () => {
    const user = await as(admin, 'POST', '/api/users', {
      workspace: t.workspace.slug,
      payload: { email: 'ana@example.com', role: 'analyst' },
    });
    const analyst = await signIn('ana@example.com', user.json().password);
    expect(slugs(await as(analyst, 'GET', '/api/workspaces', { workspace: 'acme' }))).toEqual([
      t.workspace.slug,
      'acme',
    ]);
    const refused = await as(analyst, 'POST', '/api/workspaces', {
      workspace: 'acme',
      payload: { slug: 'gamma', name: 'Gamma' },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toBe(
      'An analyst account only reads: ask an admin to make this change.',
    );
  });

  it('shows an admin key only its own workspace and lets it create none', async () => {
    expect(slugs(await t.app.inject({ method: 'GET', url: '/api/workspaces', headers: t.admin }))).toEqual([
      t.workspace.slug,
    ]);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/workspaces',
      headers: t.admin,
      payload: { slug: 'delta', name: 'Delta' },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('FORBIDDEN');
  });

  it('lets the local CLI token list and create workspaces', async () => {
    const local = { authorization: 'Bearer local_test_token', 'x-agora-workspace': t.workspace.slug };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/workspaces',
      headers: local,
      payload: { slug: 'epsilon', name: 'Epsilon' },
    });
    expect(created.statusCode).toBe(201);
    expect(slugs(await t.app.inject({ method: 'GET', url: '/api/workspaces', headers: local }))).toEqual([
      t.workspace.slug,
      'acme',
      'epsilon',
    ]);
  });

  it('needs authentication', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/workspaces' })).statusCode).toBe(401);
  });
});
