import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { loadMigrations } from '../db/migrate.ts';

describeEachEngine('server frame', ({ db, engine }) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(db());
  });

  afterAll(async () => {
    await t.app.close();
  });

  it('answers /health without a key', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when the database answers and every migration is applied', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ready',
      engine,
      migrations: (await loadMigrations(engine)).length,
    });
  });

  it('serves an OpenAPI document that lists the admin routes and their error shape', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/ready',
        '/api/keys',
        '/api/keys/{keyId}',
        '/api/taxonomy',
        '/api/migrations',
        '/api/lifecycle',
        '/api/funnels',
        '/api/journeys/paths',
        '/api/journeys/cohorts',
      ]),
    );
    const errorSchema = document.paths['/api/keys'].get.responses['401'].content['application/json'].schema;
    expect(Object.keys(errorSchema.properties.error.properties)).toEqual(['code', 'message', 'details']);
  });

  it('serves the docs UI', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
  });

  it('answers a browser’s GET of a console route with the console (built by npm install)', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/segments',
      headers: { accept: 'text/html' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('<div id="root"></div>');
  });

  it('answers an unknown route with 404 in the one error shape', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'There is no GET /nope. The API is listed at /docs.' },
    });
  });
});
