/**
 * The playbook Agora ships: for each of the five behaviours of customer networks, strategies that serve it,
 * each with the data signal that says it is needed, the Agora capability or data that supports it, and the
 * KPI that tracks it. A workspace edits, removes or adds strategies (playbook.store.ts); these are the
 * starting point. Written for Agora in its own words.
 *
 * The levels say when a behaviour is served: most active customers show it (reach 60 %), with a middling
 * score (index 50), and those who show it do so fully (depth 60); its touchpoints exist (coverage: two in
 * three of the taxonomy's); and access happens on phones (40 %). Below a level, its strategies are called for.
 */
import type { StrategyInput } from './behaviors.schema.ts';

export const DEFAULT_PLAYBOOK: Readonly<Record<string, StrategyInput>> = {
  'on-demand-service': {
    behavior: 'access',
    title: 'Serve customers on demand',
    description:
      'Let customers get what they need when they need it: self-service answers, booking, order status and support at any hour, without waiting for the organisation to be open.',
    signal: {
      metric: 'reach',
      below: 0.6,
      why: 'few active customers reach the organisation directly (store locator, support, booking, pages)',
    },
    capability:
      'Access events in the taxonomy (Store Located, Support Requested, Appointment Booked) and the touchpoint classifier',
    kpi: { metric: 'reach', description: 'share of active customers who access the organisation directly' },
  },
  'mobile-first-access': {
    behavior: 'access',
    title: 'Make access mobile-first',
    description:
      'Design the ways customers reach the organisation for the phone first — an app or a fast mobile site, one-tap reorder, store finder and support — where short bursts of intent happen.',
    signal: {
      metric: 'mobileShare',
      below: 0.4,
      why: 'access happens on mobile phones less than a mobile-first organisation would see',
    },
    capability: 'Device classification of every touchpoint and the micro-moments report',
    kpi: { metric: 'mobileShare', description: 'share of access touchpoints made on mobile phones' },
  },
  'direct-channels': {
    behavior: 'access',
    title: 'Open direct-to-customer channels',
    description:
      'Sell and serve directly — own store, app, connected devices that reorder — so that customers do not depend on intermediaries to reach the brand.',
    signal: { metric: 'index', below: 50, why: 'customers show little direct access overall' },
    capability: 'Channel attribution and the lifecycle funnel by first channel',
    kpi: { metric: 'index', description: 'the access index of active customers' },
  },
  'content-core-customers-choose': {
    behavior: 'engage',
    title: 'Publish what the core customers choose to consume',
    description:
      'Find the formats and topics the most valuable personas actually read, watch and listen to, and produce more of those rather than more of everything.',
    signal: {
      metric: 'reach',
      below: 0.6,
      why: 'too few active customers engage with content',
    },
    capability: 'Content library with formats, persona content preferences, Content Viewed events',
    kpi: { metric: 'reach', description: 'share of active customers who engage with content' },
  },
  'expert-content': {
    behavior: 'engage',
    title: 'Offer expert content worth returning for',
    description:
      'Guides, webinars and case studies by people who know the craft, deep enough that customers come back to them while they decide.',
    signal: {
      metric: 'depth',
      below: 60,
      why: 'those who engage do so shallowly: few visits, few kinds of content',
    },
    capability:
      'Content formats (webinar, whitepaper, case study) and the attribution of content to stage moves',
    kpi: { metric: 'depth', description: 'the engage score of customers who engage' },
  },
  recommendations: {
    behavior: 'customize',
    title: 'Recommend from what each customer does',
    description:
      'Use each customer’s own history to suggest products and content, so that the experience fits them without them having to ask.',
    signal: {
      metric: 'reach',
      below: 0.6,
      why: 'few active customers customize anything: the experience is the same for everyone',
    },
    capability: 'Customer timelines, personas and segments (Recommendation Clicked events measure it)',
    kpi: { metric: 'reach', description: 'share of active customers who customize' },
  },
  'personalised-interface': {
    behavior: 'customize',
    title: 'Let customers shape their own interface and products',
    description:
      'Preferences, saved configurations and product configurators: the customer decides what they see and what they get.',
    signal: {
      metric: 'coverage',
      below: 0.67,
      why: 'some ways to customize are missing from the data altogether',
    },
    capability: 'Preferences Updated and Product Customized events, segment rules on them',
    kpi: { metric: 'coverage', description: 'share of the customize touchpoints the organisation offers' },
  },
  'service-customisation': {
    behavior: 'customize',
    title: 'Customize the service from customer data',
    description:
      'Adapt service to the person — reminders at their rhythm, offers for their value and risk — using what the organisation already knows.',
    signal: { metric: 'index', below: 50, why: 'customization is weak across active customers' },
    capability: 'Customer value (P(alive), CLV), RFM and segment webhooks to the service tools',
    kpi: { metric: 'index', description: 'the customize index of active customers' },
  },
  'customer-community': {
    behavior: 'connect',
    title: 'Build a customer community',
    description:
      'A place where customers meet each other around what they do with the products: forums, groups, local meet-ups and live events.',
    signal: { metric: 'reach', below: 0.6, why: 'few customers connect with each other or the brand' },
    capability: 'Event Attended, Product Shared and social follows; the community and network views',
    kpi: { metric: 'reach', description: 'share of active customers who connect' },
  },
  'listen-and-answer': {
    behavior: 'connect',
    title: 'Listen to conversations and answer them',
    description:
      'Follow what customers say in reviews and on social networks, answer in public, and bring what is heard back to the product.',
    signal: { metric: 'depth', below: 60, why: 'those who connect do it once and leave it there' },
    capability: 'Reviews, NPS answers and social mentions (Social Mention Posted), with their sentiment',
    kpi: { metric: 'depth', description: 'the connect score of customers who connect' },
  },
  'customer-stories': {
    behavior: 'connect',
    title: 'Tell customer stories',
    description:
      'Invite customers to share how they use the products, and show those stories where other customers decide.',
    signal: { metric: 'index', below: 50, why: 'connecting is weak across active customers' },
    capability: 'Story Shared and Referral Sent events; advocates found in the network',
    kpi: { metric: 'index', description: 'the connect index of active customers' },
  },
  'co-creation': {
    behavior: 'collaborate',
    title: 'Invite customers to build the enterprise',
    description:
      'Co-create products and services with customers: idea boards, design rounds, beta groups whose proposals are visibly taken up.',
    signal: {
      metric: 'reach',
      below: 0.6,
      why: 'few customers work with the organisation on common goals',
    },
    capability: 'Idea Submitted and Idea Voted events; segments of the most engaged advocates to invite',
    kpi: { metric: 'reach', description: 'share of active customers who collaborate' },
  },
  'voting-on-ideas': {
    behavior: 'collaborate',
    title: 'Let customers vote on ideas',
    description:
      'Put proposals — customers’ own and the organisation’s — to a vote, and report what was done with the result.',
    signal: { metric: 'depth', below: 60, why: 'the few who collaborate do so once' },
    capability: 'Idea Voted events and the collaborate score',
    kpi: { metric: 'depth', description: 'the collaborate score of customers who collaborate' },
  },
  crowdfunding: {
    behavior: 'collaborate',
    title: 'Crowdfund what customers want made',
    description:
      'Let customers pledge to the products they want before they are made: it funds them, proves demand and makes customers partners.',
    signal: {
      metric: 'coverage',
      below: 0.67,
      why: 'some ways to collaborate are missing from the data altogether',
    },
    capability: 'Campaign Pledged events and the community calendar',
    kpi: { metric: 'coverage', description: 'share of the collaborate touchpoints the organisation offers' },
  },
};
