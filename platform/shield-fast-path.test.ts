import { buildSchema, execute, parse } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, deny, or, rule, shield } from 'graphql-shield';
import { describe, expect, it } from 'vitest';

// patches/graphql-shield+7.6.5.patch lets a decision already known to be true for the request
// (`allow`, or a 'contextual' rule that resolved true, alone or inside `or`) run the resolver
// synchronously. These tests pin that the shortcut never widens access: decisions stay per
// request, per rule, and parent-dependent rules are still asked for every parent.

interface Ctx {
  role: 'staff' | 'portal' | 'none';
  grantedIds: string[];
  calls: { isStaff: number; grant: number };
}

const isStaff = rule('isStaff', { cache: 'contextual' })((_p, _a, ctx: Ctx) => {
  ctx.calls.isStaff += 1;
  return ctx.role === 'staff';
});
const isGranted = rule('isGranted', { cache: (parent: { id: string }) => parent.id })((
  parent: { id: string },
  _a,
  ctx: Ctx,
) => {
  ctx.calls.grant += 1;
  return ctx.grantedIds.includes(parent.id);
});

const schema = applyMiddleware(
  buildSchema('type Query { clients: [Client!]! secret: String } type Client { id: ID! name: String note: String }'),
  shield(
    { Query: { clients: allow, secret: isStaff }, Client: { id: allow, name: or(isStaff, isGranted), note: isStaff } },
    { fallbackRule: deny, allowExternalErrors: true },
  ),
);

function run(ctx: Omit<Ctx, 'calls'>, query = '{ clients { id name note } secret }') {
  const contextValue: Ctx = { ...ctx, calls: { isStaff: 0, grant: 0 } };
  const rootValue = {
    clients: () => ['a', 'b', 'c'].map((id) => ({ id, name: `Client ${id}`, note: `note ${id}` })),
    secret: () => 'classified',
  };
  return Promise.resolve(execute({ schema, document: parse(query), rootValue, contextValue })).then((result) => ({
    result,
    calls: contextValue.calls,
  }));
}

describe('graphql-shield with the settled-decision shortcut', () => {
  it('lets staff read every field, asking the contextual rule once per request', async () => {
    const { result, calls } = await run({ role: 'staff', grantedIds: [] });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      clients: ['a', 'b', 'c'].map((id) => ({ id, name: `Client ${id}`, note: `note ${id}` })),
      secret: 'classified',
    });
    expect(calls.isStaff).toBe(1);
    // or(isStaff, isGranted) is decided by the settled isStaff: the per-client rule is not needed.
    expect(calls.grant).toBe(0);
  });

  it('still asks the per-parent rule of an `or` for every parent when the contextual rule said no', async () => {
    const { result, calls } = await run({ role: 'portal', grantedIds: ['b'] }, '{ clients { id name } }');
    expect(result.data!.clients).toEqual([
      { id: 'a', name: null },
      { id: 'b', name: 'Client b' },
      { id: 'c', name: null },
    ]);
    expect(result.errors!.map((e) => e.path!.join('.')).sort()).toEqual(['clients.0.name', 'clients.2.name']);
    expect(calls.grant).toBe(3);
  });

  it('denies a contextual rule that resolved false on every field, every time', async () => {
    const { result } = await run({ role: 'none', grantedIds: [] });
    expect(result.data!.secret).toBeNull();
    expect((result.data!.clients as { note: string | null }[]).every((c) => c.note === null)).toBe(true);
    expect(result.errors!.map((e) => e.path!.join('.')).sort()).toEqual([
      'clients.0.name',
      'clients.0.note',
      'clients.1.name',
      'clients.1.note',
      'clients.2.name',
      'clients.2.note',
      'secret',
    ]);
  });

  it('never carries a decision from one request to the next', async () => {
    await run({ role: 'staff', grantedIds: [] });
    const { result } = await run({ role: 'none', grantedIds: [] }, '{ secret }');
    expect(result.data!.secret).toBeNull();
    expect(result.errors).toHaveLength(1);
  });
});
