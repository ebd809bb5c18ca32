/**
 * The six lifecycle stages, in their order: the funnel signals the taxonomy gives events. Free of imports, so
 * that the console reads the same list as the API.
 */
export const STAGES = ['awareness', 'consideration', 'preference', 'action', 'loyalty', 'advocacy'] as const;
