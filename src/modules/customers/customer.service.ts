import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { normalizeIdentityValue } from '../ingestion/index.ts';
import type { CustomerProfile, EventPage, EventQuery } from './customer.schema.ts';
import * as store from './customer.store.ts';

export type CustomerService = ReturnType<typeof createCustomerService>;

export function createCustomerService({ db }: { db: Database }) {
  return {
    /** A customer's profile; an id that was merged away answers with the customer it joined. */
    async getProfile(workspaceId: number, customerId: number): Promise<CustomerProfile> {
      const profile = await store.findCustomerProfile(db, workspaceId, customerId);
      if (!profile) throw new AppError('NOT_FOUND', `There is no customer ${customerId} in this workspace.`);
      return profile.customerId === customerId ? profile : { ...profile, requestedCustomerId: customerId };
    },

    /** The profile of whoever holds an identity given as kind:value (values are normalised as at ingestion). */
    async getProfileByIdentity(workspaceId: number, identity: string): Promise<CustomerProfile> {
      const separator = identity.indexOf(':');
      const kind = identity.slice(0, separator);
      const value = normalizeIdentityValue(kind, identity.slice(separator + 1));
      const customerId =
        value === null ? null : await store.findCustomerIdByIdentity(db, workspaceId, kind, value);
      if (customerId === null) throw new AppError('NOT_FOUND', `No customer has the identity ${identity}.`);
      return this.getProfile(workspaceId, customerId);
    },

    async searchEvents(workspaceId: number, query: EventQuery): Promise<EventPage> {
      const events = await store.queryEvents(db, workspaceId, {
        customerId: query.customerId,
        name: query.name,
        channel: query.channel,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        after: query.cursor ? decodeCursor(query.cursor) : undefined,
        limit: query.limit,
      });
      const page = events.slice(0, query.limit);
      const last = page.at(-1);
      return {
        events: page,
        nextCursor:
          events.length > query.limit && last ? encodeCursor(last.occurredAt, last.messageId) : null,
      };
    },
  };
}

function encodeCursor(occurredAt: Date, messageId: string): string {
  return Buffer.from(JSON.stringify([occurredAt.toISOString(), messageId])).toString('base64url');
}

function decodeCursor(cursor: string): { occurredAt: Date; messageId: string } {
  try {
    const [occurredAt, messageId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
      string,
      string,
    ];
    const at = new Date(occurredAt);
    if (typeof messageId !== 'string' || Number.isNaN(at.getTime())) throw new Error('bad cursor');
    return { occurredAt: at, messageId };
  } catch {
    throw new AppError('INVALID_INPUT', 'This cursor is not one Agora gave out; start again without it.');
  }
}
