import { randomBytes } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, deny, rule, shield, type IRules } from 'graphql-shield';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postgresClient } from '../db/client.ts';
import { OWNER_ROLE, roleDatabaseUrl } from '../db/roles.ts';
import { allowedTo } from '../platform/authz.ts';
import { forbidden, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { actingFirmId, type Actor } from '../platform/signed-context.ts';
import { distinguishable, leakedValues, observable } from './support/probe/assertions.ts';
import {
  definerFunctionFindings,
  foreignRowFindings,
  rowSecurityFindings,
  tenantKeyFindings,
} from './support/probe/catalog.ts';

// The mutation check (README "Isolation proof"): weaken one wall on purpose, in a scratch copy, and show that
// the very functions the real suites assert with (database-walls, isolation-probe) report it.

const SCRATCH = `probe_scratch_${randomBytes(4).toString('hex')}`;
const NOTES = `${SCRATCH}.notes`;
// A scratch role stands in for a service's: granting the scratch schema to a real service role would
// break the walls test (database-walls) that may run at the same time on the same database.
const SCRATCH_ROLE = `${SCRATCH}_role`;
const SCRATCH_PASSWORD = randomBytes(12).toString('hex');
const firmA = newId();
const firmB = newId();
const noteA = { id: newId(), body: `Firm A's secret note ${randomBytes(6).toString('hex')}` };

let admin: postgres.Sql;
let app: postgres.Sql;
beforeAll(async () => {
  admin = postgresClient(inject('adminUrl'), { max: 1, onnotice: () => {} });
  await admin.unsafe(
    `create role ${SCRATCH_ROLE} login password '${SCRATCH_PASSWORD}' nosuperuser nobypassrls nocreatedb nocreaterole`,
  );
  app = postgresClient(roleDatabaseUrl(inject('adminUrl'), SCRATCH_ROLE, SCRATCH_PASSWORD), {
    max: 1,
    onnotice: () => {},
  });
  // One tenant table built like the real ones: firm_id in the key, RLS enabled and forced, the
  // tenant policy of db/schema/tenant-policy.ts, owned by the owner role, readable by the scratch role.
  await admin.unsafe(`
    create schema ${SCRATCH};
    create table ${NOTES} (firm_id uuid not null, id uuid not null, body text not null, primary key (firm_id, id));
    alter table ${NOTES} owner to ${OWNER_ROLE};
    alter table ${NOTES} enable row level security;
    alter table ${NOTES} force row level security;
    create policy notes_tenant_isolation on ${NOTES} as permissive for all
      using (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid)
      with check (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);
    grant usage on schema ${SCRATCH} to ${SCRATCH_ROLE};
    grant select, insert, update, delete on ${NOTES} to ${SCRATCH_ROLE};
  `);
  for (const [firmId, note] of [
    [firmA, noteA],
    [firmB, { id: newId(), body: "Firm B's own note" }],
  ] as const) {
    await admin.begin(async (tx) => {
      await tx`select set_config('app.firm_id', ${firmId}, true)`;
      await tx.unsafe(`insert into ${NOTES} (firm_id, id, body) values ($1, $2, $3)`, [firmId, note.id, note.body]);
    });
  }
});
afterAll(async () => {
  await app.end();
  await admin.unsafe(`drop schema if exists ${SCRATCH} cascade`);
  await admin.unsafe(`drop role if exists ${SCRATCH_ROLE}`);
  await admin.end();
});

describe('weakening the database wall on a scratch tenant table', () => {
  it('passes the catalog and isolation checks while the wall is whole', async () => {
    expect(await rowSecurityFindings(admin, [SCRATCH], SCRATCH_ROLE)).toEqual([]);
    expect(await tenantKeyFindings(admin, [SCRATCH])).toEqual([]);
    expect(await foreignRowFindings(admin, app, [SCRATCH], null)).toEqual([]);
    expect(await foreignRowFindings(admin, app, [SCRATCH], firmB)).toEqual([]);
  });

  it('reports a dropped policy, a policy set to using (true), RLS no longer forced, and a key without firm_id', async () => {
    await admin.unsafe(`drop policy notes_tenant_isolation on ${NOTES}`);
    expect(await rowSecurityFindings(admin, [SCRATCH], SCRATCH_ROLE)).toEqual([
      `${NOTES}: no permissive policy for SELECT`,
    ]);

    await admin.unsafe(`create policy notes_open on ${NOTES} as permissive for all using (true) with check (true)`);
    expect(await rowSecurityFindings(admin, [SCRATCH], SCRATCH_ROLE)).toEqual([
      `${NOTES}: policy notes_open USING (true) requires neither the tenant nor the acting user`,
      `${NOTES}: policy notes_open WITH CHECK (true) requires neither the tenant nor the acting user`,
    ]);
    // The open policy shows firm A's row to a transaction acting for firm B, and to one with no tenant.
    expect(await foreignRowFindings(admin, app, [SCRATCH], firmB)).toEqual([
      `${NOTES}: 1 row(s) of other firms visible with app.firm_id ${firmB}`,
    ]);
    expect(await foreignRowFindings(admin, app, [SCRATCH], null)).toEqual([
      `${NOTES}: 2 row(s) of other firms visible with app.firm_id unset`,
    ]);

    await admin.unsafe(`alter table ${NOTES} no force row level security`);
    expect(await rowSecurityFindings(admin, [SCRATCH], SCRATCH_ROLE)).toContain(
      `${NOTES}: row level security is not forced`,
    );

    await admin.unsafe(`alter table ${NOTES} add constraint notes_id_key unique (id)`);
    expect(await tenantKeyFindings(admin, [SCRATCH])).toEqual([`${NOTES}: notes_id_key (id) does not include firm_id`]);
  });

  it('reports a SECURITY DEFINER function that leaves search_path to the caller', async () => {
    expect(await definerFunctionFindings(admin, [SCRATCH])).toEqual([]);
    await admin.unsafe(
      `create function ${SCRATCH}.note_count() returns bigint language sql security definer as 'select count(*) from ${NOTES}'`,
    );
    await admin.unsafe(`alter function ${SCRATCH}.note_count() owner to ${OWNER_ROLE}`);
    expect(await definerFunctionFindings(admin, [SCRATCH])).toEqual([
      `${SCRATCH}.note_count(): SECURITY DEFINER without a pinned search_path`,
    ]);
  });
});

describe('weakening the shield wall on a scratch subgraph', () => {
  // A subgraph whose only wall is graphql-shield: the resolver reads the note by id alone, as the
  // owner connection (no service check, no RLS), so what the shield lets through is what leaks.
  const typeDefs = parse(/* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    "A firm's note."
    type Note @key(fields: "id") {
      "Stable identifier."
      id: ID!
      "The text."
      body: String!
    }
    type Query {
      "A note of the active firm by id."
      note("The note's id." id: ID!): Note
    }
  `);
  type NoteRow = { firmId: string; id: string; body: string };
  const resolvers = {
    Query: {
      note: async (_parent: unknown, { id }: { id: string }) => {
        const [row] = await admin.unsafe<NoteRow[]>(
          `select firm_id as "firmId", id, body from ${NOTES} where id = $1`,
          [id],
        );
        if (!row) throw notFound('Note');
        return row;
      },
    },
  };
  // A row rule on the entity type, answering another firm's note exactly like a missing one.
  const isActingFirmsNote = rule('isActingFirmsNote', { cache: 'strict' })(
    (note: NoteRow, _args, ctx: { actor: Actor }) =>
      note.firmId === actingFirmId(ctx.actor) ? true : notFound('Note'),
  );
  const rules: IRules = { Query: { note: allowedTo('client:read') }, Note: isActingFirmsNote };

  /** The subgraph schema under `rules`, shielded with the options of `buildShieldedSchema`. */
  const shielded = (weakened: IRules): GraphQLSchema =>
    applyMiddleware(
      buildSubgraphSchema([{ typeDefs, resolvers }]),
      shield(weakened, {
        fallbackRule: deny,
        allowExternalErrors: true,
        fallbackError: () => forbidden(),
        debug: false,
      }),
    );

  const firmBOwner: Actor = { kind: 'STAFF', userId: newId(), sessionId: newId(), firmId: firmB, roles: ['OWNER'] };
  /** Firm B's owner asks the subgraph for a note by id, through Apollo Server as a subgraph would serve it. */
  const ask = async (schema: GraphQLSchema, id: string) => {
    const server = new ApolloServer<{ actor: Actor }>({ schema, plugins: [ApolloServerPluginInlineTraceDisabled()] });
    try {
      const response = await server.executeOperation(
        { query: 'query($id: ID!) { note(id: $id) { id body } }', variables: { id } },
        { contextValue: { actor: firmBOwner } },
      );
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      return { status: response.http.status ?? 200, ...JSON.parse(JSON.stringify(response.body.singleResult)) };
    } finally {
      await server.stop();
    }
  };
  /** The probe's core checks on firm B asking for firm A's note, against two random ids. */
  const probeFindings = async (schema: GraphQLSchema) => {
    const foreign = await ask(schema, noteA.id);
    const placeholder = (id: string) => new Map([[id, '<id>']]);
    const [r1, r2] = [newId(), newId()];
    return {
      leaked: leakedValues(foreign, new Set([noteA.id, noteA.body])),
      oracle: distinguishable(
        observable(foreign, placeholder(noteA.id)),
        observable(await ask(schema, r1), placeholder(r1)),
        observable(await ask(schema, r2), placeholder(r2)),
      ),
    };
  };

  it('finds nothing with the real rules: A’s note answers like a missing one', async () => {
    expect(await probeFindings(shielded(rules))).toEqual({ leaked: [], oracle: null });
  });

  it('reports the leak and the existence oracle when the entity rule is replaced by allow', async () => {
    const { leaked, oracle } = await probeFindings(shielded({ ...rules, Note: allow }));
    expect(leaked).toEqual([noteA.id, noteA.body]);
    expect(oracle).toMatch(/^answers differ from a random id's at \.data\.note/);
  });
});
