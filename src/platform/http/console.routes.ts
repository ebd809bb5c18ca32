/**
 * The web console (web/, built into web/dist): its files at their paths, and index.html for every other
 * GET a browser makes outside the API, so that the console's own routes (/segments, /customers/42) load on
 * a refresh or a shared link. Without a build, / says how to make one.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { NotFoundFallback } from './error-handler.ts';

const DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));
/** Paths that belong to the API, the tracking endpoint or its documentation, never to the console. */
const NOT_CONSOLE = /^\/(api|v1|docs|openapi\.json|health|ready|assets)(\/|$)/;

/** The console's pages, in the navigation's order (web/src/App.tsx). */
export const CONSOLE_PAGES = [
  '/',
  '/funnel',
  '/touchpoints',
  '/customers',
  '/personas',
  '/segments',
  '/value',
  '/strategy',
  '/settings',
] as const;

/**
 * What the console's pages ask for when they open without a filter (web/src/pages): the answer cache makes
 * these ahead, so that the first visit of a large world finds them ready. The console e2e checks that every
 * page asks for no other kept answer (test/console.e2e.test.ts); a page that changes its calls changes them here.
 * Made in this order: the pages quickest to make first, so that most are ready soonest.
 */
export const CONSOLE_OPENING_VIEWS = [
  // Every page: the workspace switcher and the filter bar.
  '/api/workspaces',
  '/api/segments',
  // Overview
  '/api/lifecycle',
  '/api/behaviors',
  '/api/value/clv',
  '/api/value/risk?limit=1',
  '/api/lifecycle/trend?interval=month',
  '/api/behaviors/trend',
  // Value
  '/api/value/distribution',
  '/api/value/rfm',
  '/api/value/risk?limit=10',
  '/api/value/economics',
  // Strategy
  '/api/behaviors/coverage',
  '/api/behaviors/recommendations',
  '/api/behaviors/initiatives',
  // Personas
  '/api/personas',
  '/api/personas/stages',
  // Settings
  '/api/keys',
  '/api/users',
  '/api/lifecycle/rules',
  '/api/taxonomy',
  '/api/touchpoint-rules',
  // Funnel & journeys
  '/api/lifecycle/accounts?limit=50&offset=0',
  '/api/lifecycle/b2b-vs-b2c',
  '/api/lifecycle?breakdown=none',
  '/api/journeys/cohorts?months=6',
  '/api/journeys/paths?start=Product+Viewed&depth=4&minCustomers=5',
  '/api/journeys/path-to-purchase',
  '/api/journeys/micro-moments',
  // Touchpoints
  '/api/attribution?by=channel&occurrence=first',
  '/api/attribution/experiments?occurrence=first',
  '/api/attribution/stages?by=channel',
] as const;

/** Whether the console was built: without it, / says how to build it and every miss is a 404. */
export const consoleBuilt = () => existsSync(`${DIST}/index.html`);

export async function registerConsole(app: FastifyInstance, about: object): Promise<void> {
  if (!consoleBuilt()) {
    app.get('/', { schema: { hide: true } }, async () => ({
      ...about,
      console: 'not built: run `npm run build` (npm install does it) and restart',
    }));
    return;
  }
  await app.register(fastifyStatic, { root: DIST, wildcard: false, index: false });
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'));
}

/** index.html for a browser's GET of a console route (/segments, /customers/42) on a refresh or a shared link. */
export const consolePage: NotFoundFallback = (request, reply) => {
  const path = request.url.split('?')[0]!;
  // A browser navigating asks for HTML; an API client that mistyped a path gets the JSON 404.
  const browsing = String(request.headers.accept ?? '').includes('text/html');
  if (request.method !== 'GET' || !browsing || NOT_CONSOLE.test(path)) return false;
  void reply.sendFile('index.html');
  return true;
};
