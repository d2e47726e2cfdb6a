import DataLoader from 'dataloader';
import type { ParticipantRef } from './message-model.ts';
import type { Database } from '../../../db/client.ts';
import type { MessageRow, MessageThreadRow } from '../../../db/schema/messaging.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import {
  countUnreadByClient,
  countUnreadByThread,
  getLastMessages,
  getMessagesWithThreadsByIds,
  getTeamClientIds,
  getThreadsByIds,
} from './message-store.ts';

/** Per-request loaders of messaging. Visibility is decided by the service, not here. */
export interface MessageLoaders {
  /** Thread by id within the active firm; null for unknown ids and other firms' ids. */
  threadById: DataLoader<string, MessageThreadRow | null>;
  /**
   * Message by id within the active firm; null for unknown ids and other firms' ids. Its batch
   * reads each message's thread too and primes `threadById` with it, so checking a message
   * against its thread costs no second transaction.
   */
  messageById: DataLoader<string, MessageRow | null>;
  /** The newest message of a thread, or null while it has none. */
  lastMessageByThread: DataLoader<string, MessageRow | null>;
  /** The caller's unread messages per thread (0 for callers who are not participants). */
  unreadByThread: DataLoader<string, number>;
  /** The caller's unread messages per client, over its threads (0 for non-participants). */
  unreadByClient: DataLoader<string, number>;
  /** The clients whose teams the calling staff user is on (read once per request; empty for others). */
  teamClientIds: () => Promise<ReadonlySet<string>>;
}

/** The participant the caller is: staff users and portal users; API keys and operators are none. */
export function participantOf(actor: Actor): ParticipantRef | null {
  if (actor.kind === 'STAFF') return { kind: 'STAFF', id: actor.userId };
  if (actor.kind === 'PORTAL') return { kind: 'PORTAL', id: actor.portalUserId };
  return null;
}

/** Creates the request's messaging loaders; each batch is one `withTenant` transaction. */
export function createMessageLoaders({ actor, database }: { actor: Actor; database: Database }): MessageLoaders {
  const firmId = actingFirmId(actor);
  const scope = firmId ? { firmId } : null;
  const participant = participantOf(actor);
  const counts = (count: (ids: readonly string[]) => Promise<Map<string, number>>) =>
    new DataLoader<string, number>(async (ids) => {
      if (!firmId || !participant) return ids.map(() => 0);
      const byId = await count(ids);
      return ids.map((id) => byId.get(id) ?? 0);
    });
  let team: Promise<ReadonlySet<string>> | null = null;
  const threadById = rowsByIdLoader({
    database,
    scope,
    fetch: (tx, ids) => getThreadsByIds(tx, { firmId: firmId!, threadIds: ids }),
  });
  return {
    threadById,
    messageById: rowsByIdLoader({
      database,
      scope,
      fetch: async (tx, ids) => {
        const rows = await getMessagesWithThreadsByIds(tx, { firmId: firmId!, messageIds: ids });
        for (const { thread } of rows) threadById.prime(thread.id, thread);
        return rows.map((row) => row.message);
      },
    }),
    lastMessageByThread: new DataLoader(async (ids) => {
      if (!firmId) return ids.map(() => null);
      const byThread = await database.withTenant({ firmId }, (tx) => getLastMessages(tx, { firmId, threadIds: ids }));
      return ids.map((id) => byThread.get(id) ?? null);
    }),
    unreadByThread: counts((ids) =>
      database.withTenant({ firmId }, (tx) =>
        countUnreadByThread(tx, { firmId: firmId!, threadIds: ids, participant: participant! }),
      ),
    ),
    unreadByClient: counts((ids) =>
      database.withTenant({ firmId }, (tx) =>
        countUnreadByClient(tx, { firmId: firmId!, clientIds: ids, participant: participant! }),
      ),
    ),
    teamClientIds: () => {
      team ??=
        actor.kind === 'STAFF' && firmId
          ? database
              .withTenant({ firmId }, (tx) => getTeamClientIds(tx, { firmId, userId: actor.userId }))
              .then((ids) => new Set(ids))
          : Promise.resolve(new Set());
      return team;
    },
  };
}
