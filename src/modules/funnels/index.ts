// Custom funnels: how many customers (or accounts) go through any ordered event steps within a conversion
// window, where they drop off, how long each step takes.
export { funnelCommand } from './funnel.commands.ts';
export { funnelRoutes } from './funnel.routes.ts';
export * from './funnel.schema.ts';
export { createFunnelService, type FunnelService } from './funnel.service.ts';
export { refuseUnknownEvents } from './known-events.query.ts';
