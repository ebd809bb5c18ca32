// Customers as the admin API shows them: one profile per person (identities, merges, accounts, recent
// events) and a search over the event stream.

export { customerRoutes } from './customer.routes.ts';
export * from './customer.schema.ts';
export { type CustomerService, createCustomerService } from './customer.service.ts';
