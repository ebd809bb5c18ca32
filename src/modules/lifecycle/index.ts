// The lifecycle: where each customer stands on Awareness → … → Advocacy, when they entered each stage and
// through which touchpoint, the lifecycle funnel, and B2B accounts with their buying committees.

export type { Audience } from './held-customers.ts';
export { lifecycleCommand } from './lifecycle.commands.ts';
export { lifecycleRoutes } from './lifecycle.routes.ts';
export * from './lifecycle.schema.ts';
export { createLifecycleService, type LifecycleService } from './lifecycle.service.ts';
export { buildCustomerSubquery, type CustomerFilter, queryCustomersKept } from './lifecycle-report.query.ts';
