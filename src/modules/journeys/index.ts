// Journeys: the paths customers take through touchpoints, the path to a first purchase, micro-moments of
// intent, and retention cohorts.
export { journeyRoutes } from './journeys.routes.ts';
export * from './journeys.schema.ts';
export { createJourneyService, type JourneyService } from './journeys.service.ts';
