import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { hashApiKey } from './workspace.service.ts';

describeEachEngine('API keys', ({ db }) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(db(), { localToken: 'local_test_token' });
  });

  afterAll(async () => {
    await t.app.close();
  });

  describe('authentication', () => {
    it('answers 401 with the one error shape when no key is sent', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/api/keys' });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        error: {
          code: 'UNAUTHORIZED',
          message:
            'Sign in to the console (POST /api/session), or send an admin key as `Authorization: Bearer <key>` (create one with `agora keys create --kind admin`).',
        },
      });
    });

    it('answers 401 for a key Agora never issued', async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: '/api/keys',
        headers: { authorization: 'Bearer sk_not_a_real_key' },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('UNAUTHORIZED');
    });

    it('answers 403 when a write key is used on the admin API', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/keys',
        headers: t.admin,
        payload: { kind: 'write' },
      });
      const response = await t.app.inject({
        method: 'GET',
        url: '/api/keys',
        headers: { authorization: `Bearer ${created.json().key}` },
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toEqual({
        code: 'FORBIDDEN',
        message: 'A write key only sends tracking data; the admin API takes an admin key.',
      });
    });

    it('accepts the local token of the server and acts on the workspace it names', async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: '/api/keys',
        headers: { authorization: 'Bearer local_test_token', 'x-agora-workspace': t.workspace.slug },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().keys.map((key: { keyId: string }) => key.keyId)).toContain(t.adminKey.keyId);
    });

    it('answers 404 when the local token names a workspace that does not exist', async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: '/api/keys',
        headers: { authorization: 'Bearer local_test_token', 'x-agora-workspace': 'nowhere' },
      });
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('NOT_FOUND');
    });
  });

  describe('life of a key', () => {
    it('creates a key, shows it once, keeps only its hash, lists it and refuses it once revoked', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/keys',
        headers: t.admin,
        payload: { kind: 'admin', name: 'ci' },
      });
      expect(created.statusCode).toBe(201);
      const key = created.json();
      expect(key).toMatchObject({ kind: 'admin', name: 'ci', revokedAt: null });
      expect(key.key).toMatch(/^sk_[A-Za-z0-9_-]{32}$/);
      expect(key.hint).toBe(key.key.slice(0, 8));

      const stored = await db().query('SELECT key_hash FROM api_keys WHERE key_id = $1', [key.keyId]);
      expect(stored).toEqual([{ key_hash: hashApiKey(key.key) }]);

      const list = await t.app.inject({ method: 'GET', url: '/api/keys', headers: t.admin });
      const listed = list.json().keys.find((entry: { keyId: string }) => entry.keyId === key.keyId);
      expect(listed).toEqual({
        keyId: key.keyId,
        kind: 'admin',
        name: 'ci',
        hint: key.hint,
        createdAt: key.createdAt,
        revokedAt: null,
      });
      expect(JSON.stringify(list.json())).not.toContain(key.key);

      const asNewKey = { authorization: `Bearer ${key.key}` };
      expect((await t.app.inject({ method: 'GET', url: '/api/keys', headers: asNewKey })).statusCode).toBe(
        200,
      );

      const revoked = await t.app.inject({
        method: 'DELETE',
        url: `/api/keys/${key.keyId}`,
        headers: t.admin,
      });
      expect(revoked.statusCode).toBe(200);
      expect(revoked.json().revokedAt).toEqual(expect.any(String));
      expect((await t.app.inject({ method: 'GET', url: '/api/keys', headers: asNewKey })).statusCode).toBe(
        401,
      );
    });

    it('keeps the last admin key of a workspace', async () => {
      const other = await createTestApp(db());
      const response = await other.app.inject({
        method: 'DELETE',
        url: `/api/keys/${other.adminKey.keyId}`,
        headers: other.admin,
      });
      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe('CONFLICT');
      await other.app.close();
    });

    it('answers 404 for a key of another workspace', async () => {
      const other = await createTestApp(db());
      const response = await t.app.inject({
        method: 'DELETE',
        url: `/api/keys/${other.adminKey.keyId}`,
        headers: t.admin,
      });
      expect(response.statusCode).toBe(404);
      await other.app.close();
    });

    it('names the field and the allowed values when the kind is wrong', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/keys',
        headers: t.admin,
        payload: { kind: 'superuser' },
      });
      expect(response.statusCode).toBe(400);
      const { error } = response.json();
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.message).toMatch(/^Invalid request: body\.kind: .*"write".*"admin"/);
      expect(error.details).toEqual([{ path: 'body.kind', message: expect.any(String) }]);
    });

    it('answers 400 INVALID_INPUT for a body that is not JSON', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/keys',
        headers: { ...t.admin, 'content-type': 'application/json' },
        payload: '{"kind": ',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('INVALID_INPUT');
    });
  });
});
