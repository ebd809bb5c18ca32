// The five behaviours of customer networks: the index (per customer, group, organisation), coverage of the
// offer, the strategy playbook, recommendations and tracked initiatives.
export { behaviorsCommand } from './behaviors.commands.ts';
export { behaviorRoutes } from './behaviors.routes.ts';
export * from './behaviors.schema.ts';
export { type BehaviorService, createBehaviorService } from './behaviors.service.ts';
