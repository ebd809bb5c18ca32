/**
 * What sets a persona apart, in words: its features' means against the population's (in population sds),
 * the strongest first, and a name made of the strongest few, one per kind of feature, that a person can
 * read ("Desktop · whitepaper · B2B") and later replace.
 */

export interface FeatureInfo {
  name: string;
  group: string;
  mean: number;
  sd: number;
}

export interface Distinguishing {
  feature: string;
  label: string;
  z: number;
  personaMean: number;
  populationMean: number;
}

/** Features listed per persona, and the least |z| that counts as distinguishing. */
const LISTED = 8;
const NOTABLE_Z = 0.25;
/** Parts of a generated name. */
const NAME_PARTS = 3;

const PURCHASE_LABELS: Record<string, [above: string, below: string]> = {
  'purchase:orders': ['frequent buyers', 'few orders'],
  'purchase:order_value': ['big baskets', 'small baskets'],
  'purchase:days_between': ['slow to rebuy', 'quick to rebuy'],
  'purchase:discounted': ['discount seekers', 'full price'],
};

/** The words for a feature standing above (or below) the population. */
export function labelOf(feature: string, above: boolean): string {
  const purchase = PURCHASE_LABELS[feature];
  if (purchase) return above ? purchase[0] : purchase[1];
  const [group, value = ''] = feature.split(':');
  const words = value.replace(/_/g, ' ');
  if (group === 'b2b') return value === 'member' ? (above ? 'B2B' : 'B2C') : words;
  if (group === 'timing') return above ? `${words} visits` : `few ${words} visits`;
  return above ? words : `little ${words}`;
}

/** Each feature's persona mean against the population, the largest |z| first; NaN means are skipped. */
export function distinguishingFeatures(features: readonly FeatureInfo[], personaMeans: readonly number[]) {
  return features
    .map((feature, j): Distinguishing => {
      const personaMean = personaMeans[j]!;
      const z =
        feature.sd > 0 && Number.isFinite(personaMean) ? (personaMean - feature.mean) / feature.sd : 0;
      return {
        feature: feature.name,
        label: labelOf(feature.name, z >= 0),
        z,
        personaMean: Number.isFinite(personaMean) ? personaMean : feature.mean,
        populationMean: feature.mean,
      };
    })
    .filter((entry) => Math.abs(entry.z) >= NOTABLE_Z)
    .sort((a, b) => Math.abs(b.z) - Math.abs(a.z))
    .slice(0, LISTED);
}

/** Up to three of the strongest features above the population, one per group, as a name. */
export function generateName(distinguishing: readonly Distinguishing[], taken: ReadonlySet<string>): string {
  const used = new Set<string>();
  const parts: string[] = [];
  for (const entry of distinguishing) {
    const group = entry.feature.split(':')[0]!;
    if (entry.z <= 0 || used.has(group)) continue;
    used.add(group);
    parts.push(entry.label);
    if (parts.length === NAME_PARTS) break;
  }
  const base = parts.length > 0 ? capitalise(parts.join(' · ')) : 'Typical customers';
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base} (${n})`;
  return name;
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The content format the persona over-indexes on most (highest z), or null without format features. */
export function preferredFormat(
  features: readonly FeatureInfo[],
  personaMeans: readonly number[],
): string | null {
  let best: { format: string; z: number } | null = null;
  features.forEach((feature, j) => {
    if (feature.group !== 'format' || !(feature.sd > 0) || !Number.isFinite(personaMeans[j]!)) return;
    const z = (personaMeans[j]! - feature.mean) / feature.sd;
    if (!best || z > best.z) best = { format: feature.name.slice('format:'.length), z };
  });
  return (best as { format: string } | null)?.format ?? null;
}
