/**
 * The taxonomy every new workspace starts with (DESIGN.md, "The spine"). Event names follow the Segment spec
 * where it has one. A workspace edits its own copy; resetting brings these back.
 */
import type { Behavior, FunnelSignal, MicroMoment, Occurrence } from './taxonomy.schema.ts';

export interface DefaultRule {
  eventName: string;
  occurrence: Occurrence;
  behavior: Behavior | null;
  funnelSignal: FunnelSignal | null;
  microMoment: MicroMoment | null;
}

function rule(
  eventName: string,
  behavior: Behavior | null,
  funnelSignal: FunnelSignal | null,
  microMoment: MicroMoment | null,
  occurrence: Occurrence = 'any',
): DefaultRule {
  return { eventName, occurrence, behavior, funnelSignal, microMoment };
}

export const DEFAULT_TAXONOMY: readonly DefaultRule[] = [
  // Access, first contact: the customer learns the brand exists.
  rule('Ad Viewed', 'access', 'awareness', 'know'),
  rule('Page Viewed', 'access', 'awareness', 'know', 'first'),
  rule('Page Viewed', 'access', null, 'know', 'repeat'),
  rule('Social Mention Seen', 'access', 'awareness', 'know'),
  // Engage: the customer studies what is offered.
  rule('Content Viewed', 'engage', 'consideration', 'know'),
  rule('Video Playback Completed', 'engage', 'consideration', 'do'),
  rule('Products Searched', 'engage', 'consideration', 'know'),
  rule('Product Viewed', 'engage', 'consideration', 'know'),
  rule('Review Read', 'engage', 'consideration', 'know'),
  rule('Webinar Attended', 'engage', 'consideration', 'know'),
  // Preference: intent toward a product.
  rule('Product Added', null, 'preference', 'buy'),
  rule('Product Added to Wishlist', null, 'preference', 'buy'),
  rule('Demo Requested', null, 'preference', 'buy'),
  rule('Trial Started', null, 'preference', 'buy'),
  rule('Product Customized', 'customize', 'preference', 'buy'),
  rule('Preferences Updated', 'customize', 'preference', null),
  rule('Recommendation Clicked', 'customize', 'preference', 'buy'),
  // Action, then loyalty when the customer comes back for more.
  rule('Order Completed', null, 'action', 'buy', 'first'),
  rule('Order Completed', null, 'loyalty', 'buy', 'repeat'),
  rule('Subscription Started', null, 'action', 'buy'),
  rule('Subscription Renewed', null, 'loyalty', null),
  rule('Loyalty Joined', null, 'loyalty', null),
  // Advocacy: the customer speaks for the brand (connect) or builds with it (collaborate).
  rule('Product Reviewed', 'connect', 'advocacy', null),
  rule('Product Shared', 'connect', 'advocacy', null),
  rule('Referral Sent', 'connect', 'advocacy', null),
  rule('Story Shared', 'connect', 'advocacy', null),
  rule('Idea Submitted', 'collaborate', 'advocacy', null),
  rule('Idea Voted', 'collaborate', 'advocacy', null),
  rule('Co-creation Joined', 'collaborate', 'advocacy', null),
  rule('Campaign Pledged', 'collaborate', 'advocacy', null),
  // Access in the physical world and on the device: the "go" moments.
  rule('Store Located', 'access', null, 'go'),
  rule('Appointment Booked', 'access', null, 'go'),
  rule('App Installed', 'access', null, 'go'),
  rule('Support Requested', 'access', null, 'go'),
];
