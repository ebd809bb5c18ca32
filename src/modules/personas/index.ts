// Personas discovered from data: customers clustered on what they do (channels, devices, content, timing,
// purchases, behaviours, B2B role), described and named, stored by run; segments read persona_assignments.
export { personaCommand } from './personas.commands.ts';
export { personaRoutes } from './personas.routes.ts';
export * from './personas.schema.ts';
export { createPersonaService, type PersonaService } from './personas.service.ts';
