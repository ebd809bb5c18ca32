// Attribution: which touchpoints get the credit for conversions, under every model side by side.
export { attributionCommand } from './attribution.commands.ts';
export { attributionRoutes } from './attribution.routes.ts';
export * from './attribution.schema.ts';
export { type AttributionService, createAttributionService } from './attribution.service.ts';
