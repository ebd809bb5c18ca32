import { z } from 'zod';
import { STAGES } from './stages.ts';

/** The five behaviours of customer networks. */
export const BehaviorSchema = z.enum(['access', 'engage', 'customize', 'connect', 'collaborate']);
/** The six lifecycle stages an event can signal. */
export const FunnelSignalSchema = z.enum(STAGES);
/** Micro-moment intents: I want to know, go, do, buy. */
export const MicroMomentSchema = z.enum(['know', 'go', 'do', 'buy']);
/** Which of a customer's occurrences of the event a rule speaks of. */
export const OccurrenceSchema = z.enum(['any', 'first', 'repeat']);

export const EventNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

export const TaxonomyRuleInputSchema = z.object({
  behavior: BehaviorSchema.nullable().default(null),
  funnelSignal: FunnelSignalSchema.nullable().default(null),
  microMoment: MicroMomentSchema.nullable().default(null),
});

export const TaxonomyRuleSchema = TaxonomyRuleInputSchema.extend({
  eventName: EventNameSchema,
  occurrence: OccurrenceSchema,
  isDefault: z.boolean(),
  updatedAt: z.date(),
});

export const TaxonomyRuleKeySchema = z.object({
  eventName: EventNameSchema,
  occurrence: OccurrenceSchema.default('any'),
});

export type Behavior = z.infer<typeof BehaviorSchema>;
export type FunnelSignal = z.infer<typeof FunnelSignalSchema>;
export type MicroMoment = z.infer<typeof MicroMomentSchema>;
export type Occurrence = z.infer<typeof OccurrenceSchema>;
export type TaxonomyRuleInput = z.infer<typeof TaxonomyRuleInputSchema>;
export type TaxonomyRule = z.infer<typeof TaxonomyRuleSchema>;
export type TaxonomyRuleKey = z.infer<typeof TaxonomyRuleKeySchema>;
