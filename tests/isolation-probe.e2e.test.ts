import type { GraphQLSchema } from 'graphql';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAdmin } from './support/admin-db.ts';
import type { FirmOwner } from './support/factories.ts';
import { onboardPortalUser, type PortalLogin } from './support/portal.ts';
import { leakedValues } from './support/probe/assertions.ts';
import {
  apiKeyActor,
  breakGlassOperators,
  createThroughApi,
  populatedFirm,
  staffActor,
} from './support/probe/fixture.ts';
import {
  addIdsSeenBy,
  introspectGateway,
  runIsolationProbe,
  type ProbeActor,
  type ProbePair,
  type ProbeReport,
} from './support/probe/probe.ts';
import { clientTarget, firmTarget, type ProbeTarget } from './support/probe/target.ts';
import { startTestStack, type TestStack } from './support/stack.ts';

let t: TestStack;
let admin: postgres.Sql;
let a: FirmOwner;
let b: FirmOwner;
let schema: GraphQLSchema;
let target: ProbeTarget;
/** Client Y of firm A, and a portal user of firm A granted only its other client, X. */
let clientY: ProbeTarget;
let clientXPortal: PortalLogin;
let clientYId: string;
/** A portal user of one of firm B's clients. */
let bPortal: PortalLogin;
let operators: { signedIn: ProbeActor; underGrant: ProbeActor };
/** Entity types the fixture could not create through the API, with why; the probe then names what it cannot drive. */
let creationFailures: string[];
beforeAll(async () => {
  // Roomy cost buckets: the probe sends many large operations, and a refusal would prove nothing.
  const roomy = '1000000000';
  t = await startTestStack({
    RATE_LIMIT_BUCKET_SIZE: roomy,
    RATE_LIMIT_FIRM_BUCKET_SIZE: roomy,
    RATE_LIMIT_ANONYMOUS_BUCKET_SIZE: roomy,
  });
  admin = connectAdmin();
  a = await populatedFirm(t, admin, 'Firm A');
  b = await populatedFirm(t, admin, 'Firm B');
  schema = await introspectGateway(t.graphqlUrl);
  operators = await breakGlassOperators(t, [a.firmId, b.firmId], b.firmId);
  creationFailures = [];
  for (const owner of [a, b]) {
    const ownIds = async () => (await firmTarget(admin, 'own', owner.firmId, [])).idsByType;
    creationFailures.push(...(await createThroughApi(t.graphqlUrl, schema, staffActor('owner', owner), ownIds)));
  }
  // Y is A's first client, which the fixture gave threads, messages, contacts and a portal user; X is the other.
  // Both firms' portal users exist before the targets are read, so values they share (the contact's name) are not A's.
  const [yId, xId] = (await firmTarget(admin, 'own', a.firmId, [])).idsByType.get('Client')!;
  clientYId = yId!;
  clientXPortal = await onboardPortalUser(t, a, [xId!]);
  bPortal = await onboardPortalUser(t, b, [
    (await firmTarget(admin, 'own', b.firmId, [])).idsByType.get('Client')![0]!,
  ]);
  target = await firmTarget(admin, 'firm A', a.firmId, [b.firmId]);
  await addIdsSeenBy(target, t.graphqlUrl, schema, staffActor('firm A owner', a));
  clientY = await clientTarget(admin, 'client Y of firm A', target, a.firmId, clientYId, [xId!]);
}, 180_000);
afterAll(async () => {
  await admin.end();
  await t.stop();
});

/** One line of coverage figures, for the log and docs/benchmarks.md. */
function coverage(report: ProbeReport): string {
  const byTarget = new Map<string, number>();
  for (const { target: name } of report.pairs) byTarget.set(name, (byTarget.get(name) ?? 0) + 1);
  const actors = [...byTarget].map(([name, count]) => `${count} against ${name}`).join(', ');
  return (
    `isolation probe: ${report.queryFields.length} query fields, ${report.mutationsProbed.length} id-taking mutations, ${report.subscriptionFields.length} subscription fields ` +
    `(${report.mutationsWithoutIds.length} without ids, not probed: ${report.mutationsWithoutIds.join(', ')}), ` +
    `${report.fieldsWalked.length} fields walked, ${report.pairs.length} actors (${actors}), ${report.calls} calls`
  );
}

describe('the cross-tenant probe', () => {
  it('reaches none of firm A’s data from any query field or id-taking mutation, nor client Y’s from a portal user of client X', async () => {
    // The actors that must never reach firm A, among them a portal user of one of firm B's clients;
    // and a portal user of firm A's client X, which must never reach client Y of the same firm.
    const pairs: ProbePair[] = [
      {
        actor: {
          name: 'firm B portal user',
          headers: { authorization: `Bearer ${bPortal.accessToken}` },
          firmId: b.firmId,
        },
        target,
      },
      { actor: staffActor('firm B owner', b), target },
      { actor: await apiKeyActor(t, schema, 'firm B', b), target },
      { actor: { name: 'anonymous caller', headers: {} }, target },
      // Operators may request and revoke break-glass on any firm by design; their reads must stay out of A.
      { actor: operators.signedIn, target, queriesOnly: true },
      { actor: { ...operators.underGrant, name: `${operators.underGrant.name} on firm B` }, target, queriesOnly: true },
      {
        actor: {
          name: 'firm A portal user of client X',
          headers: { authorization: `Bearer ${clientXPortal.accessToken}` },
          firmId: a.firmId,
        },
        target: clientY,
      },
    ];
    const report = await runIsolationProbe({ url: t.graphqlUrl, schema, pairs });
    console.log(coverage(report));

    // One assertion, so a failure shows what the fixture could not create, what the probe could not drive and what it found.
    expect({ creationFailures, undrivable: report.undrivable, findings: report.findings }).toEqual({
      creationFailures: [],
      undrivable: [],
      findings: [],
    });
    expect(report.queryFields).toEqual(
      expect.arrayContaining([
        'Query.me',
        'Query.client',
        'Query.clients',
        'Query.invoice',
        'Query.document',
        'Query.engagement',
        'Query.accounts',
        'Query.journalEntries',
        'Query.trialBalance',
        'Query.taxRates',
      ]),
    );
    expect(report.mutationsProbed).toEqual(
      expect.arrayContaining([
        'Mutation.updateClient',
        'Mutation.archiveClient',
        'Mutation.switchActiveFirm',
        'Mutation.changeEngagementStatus',
        'Mutation.removeEngagementTeamMember',
        'Mutation.deleteAccount',
        'Mutation.archiveTaxRate',
      ]),
    );
    expect(report.mutationsWithoutIds).toEqual(expect.arrayContaining(['Mutation.signUp', 'Mutation.createClient']));
    expect(report.subscriptionFields).toEqual(
      expect.arrayContaining(['Subscription.messageAdded', 'Subscription.threadUpdated', 'Subscription.typing']),
    );
    expect(report.fieldsWalked).toEqual(
      expect.arrayContaining([
        'Client.invoices',
        'Client.documents',
        'Invoice.client',
        'Firm.memberships',
        'Client.engagements',
        'Firm.engagements',
        'Engagement.team',
        'MessageThread.engagement',
      ]),
    );
  }, 300_000);

  it('does report a leak and an existence oracle when the actor may see the target (firm A’s own owner, client Y’s portal user)', async () => {
    // Client Y's rows are found through client_id and the thread's foreign key, and the checks fire for a portal user of Y
    // (first: the firm owner's own run below archives Y).
    expect(clientY.idsByType.get('Client')).toEqual([clientYId]);
    expect(clientY.idsByType.get('Message')?.length).toBeGreaterThan(0);
    expect(clientY.values).toContain(clientYId);
    expect(clientY.values).not.toContain(a.firmId);
    expect(clientY.values).not.toContain(clientXPortal.portalUserId);
    const yPortal = await onboardPortalUser(t, a, [clientYId]);
    const yActor = {
      name: 'client Y portal user',
      headers: { authorization: `Bearer ${yPortal.accessToken}` },
      firmId: a.firmId,
    };
    const yReport = await runIsolationProbe({ url: t.graphqlUrl, schema, pairs: [{ actor: yActor, target: clientY }] });
    // The walk selects staff-only fields too, which null a portal user's answers; a narrow answer Y's portal user may see holds Y's values.
    const seenByY = await t.gql(`{ portalViewer { clients { id name } } }`, {}, yPortal.accessToken);
    expect(leakedValues(seenByY, clientY.values)).toContain(clientYId);
    expect(yReport.findings).toContainEqual(
      expect.stringMatching(
        /^Query\.messageThread as client Y portal user against client Y of firm A: answers differ from a random id's/,
      ),
    );
    expect(yReport.findings).toContainEqual(
      expect.stringMatching(
        /^Mutation\.sendMessage as client Y portal user changed client Y of firm A's rows in .*crm\.messages/,
      ),
    );

    // The target's values are real and distinctive, and the probe's checks fire on them.
    expect(target.idsByType.get('Client')).toHaveLength(2);
    expect(target.idsByType.get('Invoice')).toHaveLength(2);
    expect(target.idsByType.get('Firm')).toEqual([a.firmId]);
    // A type the database names differently (tenancy.audit_log) is found through A's own view of the API.
    expect(target.idsByType.get('AuditLogEntry')?.length).toBeGreaterThan(0);
    const report = await runIsolationProbe({
      url: t.graphqlUrl,
      schema,
      pairs: [{ actor: staffActor('firm A owner', a), target }],
    });
    // Each check fires: A's values in its own answers, its ids answered unlike random ones, its rows changed by its own mutation.
    expect(report.findings).toContainEqual(
      expect.stringMatching(/^Query\.\w+ as firm A owner against firm A: leaked .*Firm A /),
    );
    expect(report.findings).toContainEqual(
      expect.stringMatching(/^Query\.client as firm A owner against firm A: answers differ from a random id's/),
    );
    expect(report.findings).toContainEqual(
      expect.stringMatching(/^Mutation\.archiveClient as firm A owner changed firm A's rows in .*crm\.clients/),
    );
    // Over graphql-ws too: A's own thread is subscribed to, a random id's is NOT_FOUND.
    expect(report.findings).toContainEqual(
      expect.stringMatching(
        /^Subscription\.messageAdded as firm A owner against firm A: answers differ from a random id's/,
      ),
    );
  }, 300_000);
});
