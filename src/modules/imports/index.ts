// Bulk import: customers, accounts, products, content, orders and events from CSV or NDJSON files,
// through the same identity resolution as the tracking API (docs/import.md).
export { importCommand } from './import.command.ts';
export { type ImportUpdate, importRoutes } from './import.routes.ts';
export {
  createImportService,
  type ImportCounts,
  type ImportService,
  type ImportSummary,
} from './import.service.ts';
export { CONTENT_FORMATS, IMPORT_KINDS, type ImportKind } from './import-kinds.ts';
