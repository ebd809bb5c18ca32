// Segments: customers selected by a rule tree, evaluated on the spot or saved and kept up to date, with
// exports as CSV and as joins and leaves sent to webhooks.
export { segmentCommand } from './segment.commands.ts';
export { segmentRoutes } from './segment.routes.ts';
export * from './segment.schema.ts';
export { createSegmentService, type SegmentService } from './segment.service.ts';
export { buildSegmentMembersSql } from './segment-members.query.ts';
export { createWebhookDeliverer, type WebhookDeliverer } from './segment-webhooks.ts';
