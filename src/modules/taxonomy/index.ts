// The event taxonomy: what each event name means (behaviour, funnel signal, micro-moment intent).
// Editable per workspace, seeded with defaults; analyses read it at query time.
export { DEFAULT_TAXONOMY } from './default-taxonomy.ts';
export { taxonomyRoutes } from './taxonomy.routes.ts';
export * from './taxonomy.schema.ts';
export { createTaxonomyService, type TaxonomyService } from './taxonomy.service.ts';
export { resetTaxonomy } from './taxonomy.store.ts';
