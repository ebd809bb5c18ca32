// Ingestion: the Segment-compatible tracking API, identity resolution and touchpoint classification.
// Every message, from an SDK or an import, enters Agora through createIngestService.
export { CHANNELS, type Channel, classifyChannel } from './classify-channel.ts';
export { classifyDevice, DEVICE_CLASSES, type DeviceClass } from './classify-device.ts';
export { deadLetterRoutes } from './dead-letter.routes.ts';
export { createGroupWriter } from './group-writer.ts';
export {
  BUYING_ROLES,
  createIngestService,
  type IngestResult,
  type IngestService,
} from './ingest.service.ts';
export {
  type NormalizedMessage,
  normalizeIdentityValue,
  normalizeMessage,
  type Origin,
} from './normalize-message.ts';
export { ORDER_STATUSES } from './order-facts.ts';
export { touchpointRuleRoutes } from './touchpoint-rules.routes.ts';
export {
  createTouchpointRulesService,
  type TouchpointRulesService,
} from './touchpoint-rules.service.ts';
export { type CompiledRules, compileRules, type TouchpointRules } from './touchpoint-rules.ts';
export { trackingRoutes } from './tracking.routes.ts';
