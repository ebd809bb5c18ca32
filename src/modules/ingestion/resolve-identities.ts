/**
 * Identity resolution for a batch of messages: which customer each message belongs to, which customers
 * and identities are new, and which customers turn out to be one person.
 *
 * Rules (docs/ingestion.md):
 * - every identity a message shows (user id, anonymous id, email, phone, handles, loyalty and external
 *   ids) belongs to the same customer as the message;
 * - when a message joins customers that were apart, they merge into the one holding a user id, else into
 *   the oldest; so events sent before sign-up belong to the person who signed up;
 * - two customers with different user ids are never merged (a shared device): the message goes to the
 *   customer of its own user id, and the shared identity stays where it was;
 * - a merge is recorded with the identity the message shares with the customer that stays; an identity
 *   other than a user id that has already joined `maxMergesPerIdentity` customers this way is refused,
 *   not merged again; an alias may join two user ids.
 *
 * Lookups are one query per identity kind per batch, never one per message, and on DuckDB only for
 * identities the writer's memory does not know (writer-memory.ts).
 */
import type { Queryable } from '../../platform/db/database.ts';
import {
  countMergesThrough,
  findIdentityOwners,
  findUserIds,
  type Merge,
  type NewCustomer,
  type NewIdentity,
} from './identity.store.ts';
import type { IdentityKind, IdentityRef, NormalizedMessage } from './normalize-message.ts';
import { identityKey, type KnownIdentities } from './writer-memory.ts';

export interface Resolution {
  /** Customer of each message, in order; null where the message was refused. */
  customerIds: Array<number | null>;
  refused: Array<{ position: number; reason: string }>;
  newCustomers: NewCustomer[];
  newIdentities: NewIdentity[];
  merges: Merge[];
}

export interface ResolveOptions {
  maxMergesPerIdentity: number;
  /** An unused customer id. */
  newCustomerId(): Promise<number>;
}

/** `state`: what lookUpIdentities found for these messages (or more). */
export async function resolveIdentities(
  db: Queryable,
  workspaceId: number,
  messages: readonly NormalizedMessage[],
  state: BatchState,
  options: ResolveOptions,
): Promise<Resolution> {
  const resolution: Resolution = {
    customerIds: [],
    refused: [],
    newCustomers: [],
    newIdentities: [],
    merges: [],
  };

  for (const [position, message] of messages.entries()) {
    const identities = identitiesToLink(message);
    // A customer known by another user id is someone else, whatever device or address they share.
    const owners = unique(
      identities.map((identity) => state.ownerOf(identity)).filter((id) => id !== null),
    ).filter(
      // (An alias is the exception: it says outright that two user ids are one person.)
      (owner) =>
        message.type === 'alias' ||
        !message.userId ||
        !state.userIds.has(owner) ||
        state.userIds.get(owner) === message.userId,
    );
    let customerId: number;
    if (owners.length === 0) {
      customerId = await options.newCustomerId();
      resolution.newCustomers.push({ customerId, firstSeenAt: message.occurredAt });
    } else {
      const decision = await decideMerges(db, workspaceId, message, owners, identities, state, options);
      if ('refused' in decision) {
        resolution.refused.push({ position, reason: decision.refused });
        resolution.customerIds.push(null);
        continue;
      }
      customerId = decision.customerId;
      for (const merge of decision.merges) {
        state.merge(merge.mergedCustomerId, merge.intoCustomerId, merge.identity);
        resolution.merges.push(merge);
      }
    }
    for (const identity of identitiesToRecord(message, state)) {
      // A shared identity that stays with another customer (different user ids) is not moved.
      if (state.ownerOf(identity) !== null) continue;
      state.own(identity, customerId);
      resolution.newIdentities.push({
        ...identity,
        customerId,
        source: message.type,
        seenAt: message.occurredAt,
      });
    }
    if (message.userId) state.userIds.set(customerId, message.userId);
    resolution.customerIds.push(customerId);
  }
  // Merges later in the batch may have moved customers that earlier messages were given.
  resolution.customerIds = resolution.customerIds.map((id) => (id === null ? null : state.canonical(id)));
  for (const identity of resolution.newIdentities) identity.customerId = state.canonical(identity.customerId);
  return resolution;
}

/** An alias call says its previousId (a user or anonymous id) is the same person as its userId. */
function identitiesToLink(message: NormalizedMessage): IdentityRef[] {
  if (message.type !== 'alias' || !message.previousId) return message.identities;
  return [
    ...message.identities,
    { kind: 'user', value: message.previousId },
    { kind: 'anonymous', value: message.previousId },
  ];
}

/**
 * What a message adds to its customer's identities. An alias's previousId, when Agora has not seen it yet
 * (SDKs send batches in parallel, so the alias may come first), is kept as an anonymous id of the user.
 */
function identitiesToRecord(message: NormalizedMessage, state: BatchState): IdentityRef[] {
  if (message.type !== 'alias' || !message.previousId) return message.identities;
  const previous = identitiesToLink(message).slice(message.identities.length);
  if (previous.some((identity) => state.ownerOf(identity) !== null)) return message.identities;
  return [...message.identities, { kind: 'anonymous', value: message.previousId }];
}

type Decision = { customerId: number; merges: Merge[] } | { refused: string };

async function decideMerges(
  db: Queryable,
  workspaceId: number,
  message: NormalizedMessage,
  owners: number[],
  identities: IdentityRef[],
  state: BatchState,
  options: { maxMergesPerIdentity: number },
): Promise<Decision> {
  const userOwner = message.userId ? state.ownerOf({ kind: 'user', value: message.userId }) : null;
  const target =
    userOwner ?? owners.find((owner) => state.userIds.has(owner)) ?? [...owners].sort((a, b) => a - b)[0]!;
  const targetUser = state.userIds.get(target) ?? message.userId;
  const merges: Merge[] = [];
  for (const owner of owners) {
    if (owner === target) continue;
    const ownerUser = state.userIds.get(owner);
    if (message.type !== 'alias' && ownerUser && targetUser && ownerUser !== targetUser) continue;
    // The proof is the identity the message shares with the customer that stays (a shared email, the
    // user id of a sign-up); it is what a shared device or test address would keep repeating.
    const link =
      identities.find((identity) => state.ownerOf(identity) === target) ??
      identities.find((identity) => state.ownerOf(identity) === owner)!;
    // A user id is the app's own word for who someone is: one person signing in on many devices joins
    // many anonymous customers through it, and that is no reason for doubt.
    const earlier =
      link.kind === 'user'
        ? 0
        : (await countMergesThrough(db, workspaceId, link)) + state.mergesThrough(link);
    if (earlier >= options.maxMergesPerIdentity) {
      return {
        refused:
          `${link.kind} identity "${link.value}" has already joined ${earlier} customers into others; Agora refuses ` +
          'to merge more through it (a shared device or a test address?). Raise AGORA_MAX_MERGES_PER_IDENTITY if it is one person.',
      };
    }
    merges.push({
      mergedCustomerId: owner,
      intoCustomerId: target,
      reason: message.type === 'alias' ? 'alias' : 'shared_identity',
      identity: link,
      messageId: message.messageId,
      mergedAt: message.receivedAt,
    });
  }
  return { customerId: target, merges };
}

export interface BatchState {
  userIds: Map<number, string>;
  ownerOf(identity: IdentityRef): number | null;
  own(identity: IdentityRef, customerId: number): void;
  merge(from: number, into: number, through: IdentityRef): void;
  canonical(customerId: number): number;
  mergesThrough(identity: IdentityRef): number;
}

/**
 * What the database knows of the batch's identities: from the writer's memory where it knows, else read
 * with one query per identity kind.
 */
export async function lookUpIdentities(
  db: Queryable,
  workspaceId: number,
  messages: readonly NormalizedMessage[],
  known?: KnownIdentities,
): Promise<BatchState> {
  const valuesByKind = new Map<IdentityKind, Set<string>>();
  for (const message of messages) {
    for (const identity of identitiesToLink(message)) {
      const values = valuesByKind.get(identity.kind) ?? new Set();
      values.add(identity.value);
      valuesByKind.set(identity.kind, values);
    }
  }
  const owners = new Map<string, number>();
  for (const [kind, values] of valuesByKind) {
    const unknown: string[] = [];
    for (const value of values) {
      const key = identityKey(workspaceId, { kind, value });
      const owner = known ? known.ownerOf(key) : undefined;
      if (owner === undefined) unknown.push(value);
      else if (owner !== null) owners.set(key, owner);
    }
    for (const owner of await findIdentityOwners(db, workspaceId, kind, unknown)) {
      const key = identityKey(workspaceId, owner);
      owners.set(key, owner.customerId);
      known?.learnOwner(key, owner.customerId);
    }
  }
  const userIds = new Map<number, string>();
  const unknownUsers: number[] = [];
  for (const customerId of new Set(owners.values())) {
    const userId = known ? known.userIdOf(customerId) : undefined;
    if (userId === undefined) unknownUsers.push(customerId);
    else if (userId !== null) userIds.set(customerId, userId);
  }
  const found = await findUserIds(db, workspaceId, unknownUsers);
  for (const customerId of unknownUsers) {
    const userId = found.get(customerId);
    if (userId !== undefined) userIds.set(customerId, userId);
    known?.learnUserId(customerId, userId ?? null);
  }
  const mergedInto = new Map<number, number>();
  const mergeCounts = new Map<string, number>();
  const canonical = (customerId: number): number => {
    let id = customerId;
    while (mergedInto.has(id)) id = mergedInto.get(id)!;
    return id;
  };
  return {
    userIds,
    ownerOf: (identity) => {
      const owner = owners.get(identityKey(workspaceId, identity));
      return owner === undefined ? null : canonical(owner);
    },
    own: (identity, customerId) => owners.set(identityKey(workspaceId, identity), customerId),
    merge: (from, into, through) => {
      mergedInto.set(from, into);
      const key = identityKey(workspaceId, through);
      mergeCounts.set(key, (mergeCounts.get(key) ?? 0) + 1);
      const user = userIds.get(from);
      if (user && !userIds.has(into)) userIds.set(into, user);
    },
    canonical,
    mergesThrough: (identity) => mergeCounts.get(identityKey(workspaceId, identity)) ?? 0,
  };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
