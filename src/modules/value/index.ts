// Customer value: repeat buying (BG/NBD), spend (Gamma-Gamma), and what they predict.

export { rfmSegment } from './compute-rfm.ts';
export { rfmScoresSql } from './rfm.query.ts';
export { valueCommand } from './value.commands.ts';
export { valueRoutes } from './value.routes.ts';
export * from './value.schema.ts';
export { createValueService, type ValueService } from './value.service.ts';
