import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import type { TaxonomyRule, TaxonomyRuleInput, TaxonomyRuleKey } from './taxonomy.schema.ts';
import * as store from './taxonomy.store.ts';

export type TaxonomyService = ReturnType<typeof createTaxonomyService>;

export function createTaxonomyService({ db, clock }: { db: Database; clock: Clock }) {
  return {
    listRules(workspaceId: number): Promise<TaxonomyRule[]> {
      return store.listTaxonomy(db, workspaceId);
    },

    putRule(workspaceId: number, key: TaxonomyRuleKey, input: TaxonomyRuleInput): Promise<TaxonomyRule> {
      return store.upsertTaxonomyRule(db, workspaceId, key, input, clock.now());
    },

    async deleteRule(workspaceId: number, key: TaxonomyRuleKey): Promise<void> {
      if (!(await store.deleteTaxonomyRule(db, workspaceId, key))) {
        throw new AppError(
          'NOT_FOUND',
          `There is no taxonomy rule for "${key.eventName}" (occurrence ${key.occurrence}). See GET /api/taxonomy.`,
        );
      }
    },

    async resetRules(workspaceId: number): Promise<TaxonomyRule[]> {
      await db.transaction((tx) => store.resetTaxonomy(tx, workspaceId, clock.now()));
      return store.listTaxonomy(db, workspaceId);
    },
  };
}
