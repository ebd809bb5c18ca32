/** buildApp(deps): the Fastify application with its plugins and the explicit list of routes. Never listens. */
import type { EventLoopUtilization } from 'node:perf_hooks';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  type FastifyPluginAsyncZod,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Deps } from './deps.ts';
import { attributionRoutes, createAttributionService } from './modules/attribution/index.ts';
import { behaviorRoutes, createBehaviorService } from './modules/behaviors/index.ts';
import { createCustomerService, customerRoutes } from './modules/customers/index.ts';
import { createFunnelService, funnelRoutes } from './modules/funnels/index.ts';
import { createImportService, importRoutes } from './modules/imports/index.ts';
import {
  createIngestService,
  createTouchpointRulesService,
  deadLetterRoutes,
  touchpointRuleRoutes,
  trackingRoutes,
} from './modules/ingestion/index.ts';
import { createJourneyService, journeyRoutes } from './modules/journeys/index.ts';
import { createLifecycleService, lifecycleRoutes } from './modules/lifecycle/index.ts';
import { createPersonaService, personaRoutes } from './modules/personas/index.ts';
import { createSegmentService, segmentRoutes } from './modules/segments/index.ts';
import { createTaxonomyService, taxonomyRoutes } from './modules/taxonomy/index.ts';
import { createUserService, signInRoutes, userRoutes } from './modules/users/index.ts';
import { createValueService, valueRoutes } from './modules/value/index.ts';
import {
  apiKeyRoutes,
  createAdminAuth,
  createWorkspaceService,
  workspaceRoutes,
} from './modules/workspaces/index.ts';
import { type AnswerCacheOptions, registerAnswerCache } from './platform/http/answer-cache.ts';
import { consoleBuilt, consolePage, registerConsole } from './platform/http/console.routes.ts';
import { registerErrorHandling } from './platform/http/error-handler.ts';
import { healthRoutes } from './platform/http/health.routes.ts';
import { migrationRoutes } from './platform/http/migration.routes.ts';
import { noWorkTime, tallyInto, type WorkTally, type WorkTime } from './platform/work-time.ts';
import { startPassLanes } from './platform/workers/pass-lanes.ts';

export interface AppOptions {
  /** The token a local CLI presents instead of an admin key (see platform/http/server-file.ts). */
  localToken?: string | undefined;
  answers?: AnswerCacheOptions;
}

export const API_VERSION = '0.1.0';

export async function buildApp(deps: Deps, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // Shutdown closes idle keep-alive connections at once and lets in-flight requests finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app, consoleBuilt() ? consolePage : undefined);
  closeConnectionsWhenClosing(app);
  await registerOpenApi(app);

  await app.register(cookie);
  const workspaces = createWorkspaceService(deps);
  const users = createUserService(deps);
  const taxonomy = createTaxonomyService(deps);
  const touchpointRules = createTouchpointRulesService(deps);
  const ingest = createIngestService({ ...deps, touchpointRules });
  // Requests whose clients gave up are still written before the database closes.
  app.addHook('onClose', () => ingest.idle());
  // The passes over what a server holds run on worker threads, one per core: its own thread only serves.
  const lanes = startPassLanes();
  app.addHook('onClose', () => lanes.close());
  const lifecycle = createLifecycleService({ ...deps, keepReads: true, lanes });

  await registerConsole(app, { name: 'Agora', version: API_VERSION, docs: '/docs' });
  await app.register(healthRoutes(deps.db));
  await app.register(trackingRoutes(ingest, workspaces));
  await app.register(signInRoutes(users));

  const adminRoutes: FastifyPluginAsyncZod[] = [
    workspaceRoutes(workspaces),
    apiKeyRoutes(workspaces),
    taxonomyRoutes(taxonomy),
    customerRoutes(createCustomerService(deps)),
    deadLetterRoutes(ingest),
    touchpointRuleRoutes(touchpointRules),
    // Imports share the tracking API's writer, so that the two never write the same rows at once.
    importRoutes(createImportService({ ...deps, ingest })),
    lifecycleRoutes(lifecycle),
    funnelRoutes(createFunnelService(deps)),
    // A server keeps what analyses read for the next filter (platform/db/kept-reads.ts); a CLI verb does not.
    journeyRoutes(createJourneyService({ ...deps, lifecycle, keepReads: true, lanes })),
    attributionRoutes(createAttributionService({ ...deps, lifecycle, keepReads: true, lanes })),
    valueRoutes(createValueService({ ...deps, lifecycle, keepReads: true, lanes })),
    behaviorRoutes(createBehaviorService({ ...deps, lifecycle, keepReads: true, lanes })),
    personaRoutes(createPersonaService({ ...deps, lifecycle })),
    segmentRoutes(createSegmentService({ ...deps, lifecycle })),
    migrationRoutes(deps.db),
    userRoutes(users),
  ];
  await app.register(async (admin) => {
    // First, so that the statements authentication runs are counted too; the tracking API is left out of it.
    logWorkTime(admin);
    admin.addHook('onRequest', createAdminAuth(workspaces, options.localToken, users));
    registerAnswerCache(admin, deps.db, deps.clock, {
      localToken: options.localToken,
      workspaces: () => workspaces.listWorkspaces(),
      ...options.answers,
    });
    for (const routes of adminRoutes) await admin.register(routes);
  });
  return app;
}

/**
 * Fastify closes the connections that are idle when shutdown begins; one whose request is still in flight
 * would stay open after its answer until the keep-alive timeout. Answering it with `Connection: close`
 * ends it as soon as the answer is sent, so shutdown takes as long as the slowest request, no longer.
 */
function closeConnectionsWhenClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    workTime: WorkTime;
    /** This thread's event loop use when the request came. */
    loopAtStart: EventLoopUtilization;
  }
}

/**
 * Logs, beside each answered admin or console request that ran statements or passes, how long they took and waited, and how
 * long this thread was busy meanwhile (with this request or any other), at info: where a slow call's time went.
 */
function logWorkTime(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    request.workTime = noWorkTime();
    request.loopAtStart = performance.eventLoopUtilization();
    tallyInto(request.workTime, done);
  });
  app.addHook('onResponse', async (request) => {
    const { statements, passes } = request.workTime;
    if (statements.count + passes.count === 0) return;
    const rounded = (tally: WorkTally) =>
      Object.fromEntries(Object.entries(tally).map(([name, value]) => [name, Math.round(value)]));
    const busyMs = Math.round(performance.eventLoopUtilization(request.loopAtStart).active);
    request.log.info({ statements: rounded(statements), passes: rounded(passes), busyMs }, 'work time');
  });
}

async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Agora API',
        version: API_VERSION,
        description:
          'Self-hosted customer network platform. Admin endpoints take `Authorization: Bearer <admin key>`; ' +
          'every error answers `{ "error": { "code", "message", "details" } }`.',
      },
      components: {
        securitySchemes: {
          adminKey: { type: 'http', scheme: 'bearer', description: 'A secret admin key (sk_…)' },
          writeKey: {
            type: 'http',
            scheme: 'basic',
            description: 'A write key (wk_…) as the username, empty password',
          },
        },
      },
      security: [{ adminKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
