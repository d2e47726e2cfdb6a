import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { connectDatabase, type Database } from '../../db/client.ts';
import { connectEventBus, type EventBus } from '../../platform/event-bus.ts';
import { createLogger } from '../../platform/logger.ts';
import type { Actor } from '../../platform/signed-context.ts';
import type { SubgraphName } from '../../platform/subgraph-names.ts';
import type { SubgraphContext, SubgraphDefinition } from '../../platform/subgraph-server.ts';
import { asFirm, connectAdmin } from './admin-db.ts';
import { testConfig } from './stack.ts';

type Role = 'OWNER' | 'ADMIN' | 'MANAGER' | 'STAFF';

/**
 * The service-level test tier: a subgraph's services called directly against the test database
 * (the global setup's `serviceUrls`, as the subgraph's own role, so row-level security and the
 * schema walls apply), without the
 * gateway, HTTP or graphql-shield. Open one per test file; `close()` in `afterAll`.
 */
export interface ServiceTier {
  database: Database;
  /** A new firm, inserted as the superuser (its row only): its id. Each test makes its own. */
  createFirm(): Promise<string>;
  /**
   * The context a subgraph's resolvers get for a STAFF user of `firmId` with `role` (fresh user and
   * session ids; the session row is not checked below the gateway), with that subgraph's loaders.
   */
  staffContext<L, R extends object>(
    definition: SubgraphDefinition<L, R>,
    firmId: string,
    role: Role,
  ): SubgraphContext<L>;
  close(): Promise<void>;
}

/**
 * Opens the tier's pool as `subgraph`'s role, an admin connection and an event bus (PostgreSQL
 * LISTEN/NOTIFY; no Redis).
 */
export function openServiceTier(subgraph: SubgraphName): ServiceTier {
  const database = connectDatabase(inject('serviceUrls')[subgraph], {
    max: 2,
    applicationName: `firmgraph-service-tests-${subgraph}`,
  });
  const admin = connectAdmin();
  const config = testConfig();
  const log = createLogger('silent', 'service-tests');
  const eventBus: EventBus = connectEventBus({ database, redisUrl: null, log });
  return {
    database,
    async createFirm() {
      const id = randomUUID();
      // As a firm is created (sign-up): inside its own tenant, where the firm's books open (billing.open_books).
      await asFirm(
        admin,
        id,
        (tx) => tx`insert into tenancy.firms (id, name, slug) values (${id}, ${'Service Firm'}, ${`service-${id}`})`,
      );
      return id;
    },
    staffContext(definition, firmId, role) {
      const actor: Actor = { kind: 'STAFF', userId: randomUUID(), sessionId: randomUUID(), firmId, roles: [role] };
      return {
        actor,
        requestId: randomUUID(),
        origin: { ip: null, userAgent: 'service-tests' },
        database,
        config,
        log,
        loaders: definition.createLoaders({ actor, database }),
        eventBus,
      };
    },
    async close() {
      await eventBus.close();
      await admin.end();
      await database.close();
    },
  };
}
