/**
 * The attribution models, in the order every answer lists them. Free of imports, so that the console reads
 * the same list as the API.
 */
export const MODELS = [
  'firstTouch',
  'lastTouch',
  'lastNonDirect',
  'linear',
  'timeDecay',
  'positionBased',
  'wShaped',
  'markov',
  'shapley',
] as const;
export type Model = (typeof MODELS)[number];
