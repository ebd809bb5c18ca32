import { z } from 'zod';
import { AudienceFilterFields, StageSchema } from '../lifecycle/lifecycle.schema.ts';

const kBound = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a whole number from 2 to 20` })
    .int(`${name} must be a whole number from 2 to 20`)
    .min(2, `${name} must be from 2 to 20`)
    .max(20, `${name} must be from 2 to 20`);

export const RefreshOptionsSchema = z
  .object({
    kMin: kBound('kMin').default(3).describe('the fewest personas to consider'),
    kMax: kBound('kMax').default(8).describe('the most personas to consider'),
    seed: z.coerce
      .number()
      .int('seed must be a whole number')
      .min(0, 'seed must be 0 or more')
      .max(2_147_483_647, 'seed must be below 2^31')
      .default(1)
      .describe('the same seed and data give the same personas'),
    minTouchpoints: z.coerce
      .number()
      .int('minTouchpoints must be a whole number')
      .min(1, 'minTouchpoints must be from 1 to 1000')
      .max(1000, 'minTouchpoints must be from 1 to 1000')
      .default(1)
      .describe('customers with fewer touchpoints are not clustered (their mixes say too little)'),
  })
  .refine((options) => options.kMin <= options.kMax, {
    message: 'kMin must not be above kMax',
    path: ['kMin'],
  });
export type RefreshOptions = z.infer<typeof RefreshOptionsSchema>;

export const PersonaIdParamsSchema = z.object({
  personaId: z.coerce
    .number({ error: 'personaId must be a whole number' })
    .int('personaId must be a whole number')
    .positive('personaId must be a positive whole number'),
});

export const RenameSchema = z.object({
  name: z
    .string({ error: 'name must be text' })
    .trim()
    .min(1, 'name must not be empty')
    .max(120, 'name must be at most 120 characters'),
});
export type Rename = z.infer<typeof RenameSchema>;

export const DistinguishingFeatureSchema = z.object({
  /** `group:value`, e.g. `device:desktop`. */
  feature: z.string(),
  /** What a person reads, e.g. "desktop". */
  label: z.string(),
  /** The persona's centroid against the population, in population sds (before clipping and weighting). */
  z: z.number(),
  personaMean: z.number(),
  populationMean: z.number(),
});

export const PersonaSchema = z.object({
  personaId: z.number(),
  name: z.string(),
  /** The name generated from this run's distinguishing features (the name, unless a person renamed it). */
  generatedName: z.string(),
  renamed: z.boolean(),
  customers: z.number(),
  share: z.number(),
  /** The features that set the persona apart, the strongest first (both above and below the population). */
  distinguishing: z.array(DistinguishingFeatureSchema),
  preferredFormat: z.string().nullable(),
  /** The channels of the persona's first touchpoints, the commonest first. */
  firstChannels: z.array(z.object({ channel: z.string(), share: z.number() })),
  stages: z.array(z.object({ stage: StageSchema, customers: z.number(), share: z.number() })),
});
export type Persona = z.infer<typeof PersonaSchema>;

export const PersonaRunSchema = z.object({
  runId: z.number(),
  fittedAt: z.date(),
  k: z.number(),
  silhouette: z.number(),
  seed: z.number(),
  customers: z.number(),
  minTouchpoints: z.number(),
  /** Each k tried, with the BIC of its latent-class model on the sample (lower fits better). */
  candidates: z.array(z.object({ k: z.number(), bic: z.number() })),
});
export type PersonaRun = z.infer<typeof PersonaRunSchema>;

export const PersonaListSchema = z.object({
  /** The latest run; null before the first refresh. */
  run: PersonaRunSchema.nullable(),
  personas: z.array(PersonaSchema),
  /** Customers placed on the nearest persona since the run (new since then). */
  newlyAssigned: z.number(),
});
export type PersonaList = z.infer<typeof PersonaListSchema>;

export const StageMatrixQuerySchema = z.object({ savedSegment: AudienceFilterFields.savedSegment });
export type StageMatrixQuery = z.infer<typeof StageMatrixQuerySchema>;

export const StageMatrixSchema = z.object({
  stages: z.array(StageSchema),
  /**
   * counts[i][j]: customers of persona i standing in stage j (customers not yet in the funnel are left out);
   * with a saved segment, its members only, `customers` counting the persona's members.
   */
  rows: z.array(
    z.object({ personaId: z.number(), name: z.string(), customers: z.number(), counts: z.array(z.number()) }),
  ),
});
export type StageMatrix = z.infer<typeof StageMatrixSchema>;

export const CustomerIdParamsSchema = z.object({
  customerId: z.coerce
    .number({ error: 'customerId must be a whole number' })
    .int('customerId must be a whole number')
    .positive('customerId must be a positive whole number'),
});

export const CustomerPersonaSchema = z.object({
  customerId: z.number(),
  /** The latest run; null before personas are first found (POST /api/personas/refresh). */
  run: PersonaRunSchema.pick({ runId: true, fittedAt: true }).nullable(),
  /** The customer's persona; null before the first run, or for a customer with too few touchpoints to place. */
  persona: z
    .object({
      personaId: z.number(),
      name: z.string(),
      /** When the customer joined it: the run's time, or later for a customer who came after the run. */
      assignedAt: z.date(),
    })
    .nullable(),
});
export type CustomerPersona = z.infer<typeof CustomerPersonaSchema>;
