/**
 * What the demo world's customers say: review, mention, survey and story texts whose tone is the planted
 * sentiment (a rating of 4–5 reads positive, 3 mixed, 1–2 negative), pieced together from short phrases
 * so that no two people sound quite alike.
 */
import type { Random } from './random.ts';
import type { NpsBand } from './world-model.ts';

export type Sentiment = 'positive' | 'neutral' | 'negative';

const OPENINGS: Record<Sentiment, readonly string[]> = {
  positive: [
    'Really happy with this.',
    'Love it!',
    'Exactly what I was looking for.',
    'Great purchase.',
    'Five stars from me.',
    'So glad I picked this one.',
  ],
  neutral: [
    'It does the job.',
    'Decent, nothing special.',
    'Mixed feelings.',
    'It is fine for the price.',
    'Okay overall.',
  ],
  negative: [
    'Disappointed.',
    'Not worth the money.',
    'Would not buy again.',
    'Really frustrating.',
    'Poor experience.',
  ],
};

const DETAILS: Record<Sentiment, readonly string[]> = {
  positive: [
    'The light is warm and even, and it was easy to set up.',
    'Delivery was quick and the support team answered in minutes.',
    'It makes the whole room feel calmer in the evening.',
    'The app works smoothly and the scenes are a joy to use.',
    'Solid build, looks even better than in the photos.',
  ],
  neutral: [
    'The light is good but the colour is a bit cold.',
    'Setup took longer than I expected.',
    'Works as described, though the app could be simpler.',
    'Delivery was slow, the product itself is fine.',
  ],
  negative: [
    'It flickers after a few days and support never replied.',
    'The app keeps losing the connection.',
    'It arrived scratched and the return took weeks.',
    'Much dimmer than advertised.',
    'Stopped working after a month.',
  ],
};

const CLOSINGS: Record<Sentiment, readonly string[]> = {
  positive: ['Highly recommend.', 'Already ordering another one.', 'Thank you Lumen!', ''],
  neutral: ['We will see how it lasts.', 'Might try another model next time.', ''],
  negative: ['Avoid.', 'I want a refund.', 'Very unhappy.', ''],
};

const INCIDENT_LINES = [
  'After last night’s update my Lumen bulbs do not respond at all. @lumen what happened?',
  'Firmware update bricked every smart bulb in the house. Sitting in the dark, thanks @lumen',
  '@lumen your 4.2 update broke my lights and support is not answering. Unacceptable.',
  'None of my Lumen smart bulbs work since the update. Anyone else?',
  'Woke up to dead smart bulbs after the @lumen update. Really annoyed.',
];

const STORIES = [
  'We relit our little café with Lumen pendants and guests now stay for a second coffee.',
  'My daughter picked the colours for her room herself with the app; bedtime got so much easier.',
  'Our office swapped to Lumen desk lamps and the afternoon headaches are gone.',
  'I designed the lighting for our hotel lobby with the Lumen guides, step by step.',
];

const pick = <T>(random: Random, items: readonly T[]): T => items[random.int(items.length)]!;

function compose(random: Random, sentiment: Sentiment): string {
  return [
    pick(random, OPENINGS[sentiment]),
    pick(random, DETAILS[sentiment]),
    pick(random, CLOSINGS[sentiment]),
  ]
    .filter((part) => part !== '')
    .join(' ');
}

export function sentimentOfRating(rating: number): Sentiment {
  return rating >= 4 ? 'positive' : rating === 3 ? 'neutral' : 'negative';
}

export const sentimentOfNps = (band: NpsBand): Sentiment =>
  band === 'promoter' ? 'positive' : band === 'passive' ? 'neutral' : 'negative';

/** A score in the band: detractors 0–6, passives 7–8, promoters 9–10. */
export function npsScore(random: Random, band: NpsBand): number {
  return band === 'detractor' ? random.int(7) : band === 'passive' ? 7 + random.int(2) : 9 + random.int(2);
}

export const reviewText = compose;
export const mentionText = (random: Random, sentiment: Sentiment) =>
  `${compose(random, sentiment)} #lumen`.trim();
export const incidentMention = (random: Random) => pick(random, INCIDENT_LINES);
export const storyText = (random: Random) => pick(random, STORIES);
