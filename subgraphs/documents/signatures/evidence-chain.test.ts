import { describe, expect, it } from 'vitest';
import { chainHash, GENESIS_HASH, verifyEvidenceChain, type EvidenceEventContent } from './evidence-chain.ts';

const event = (seq: number, kind: string): EvidenceEventContent => ({
  requestId: '0190f3a0-0000-7000-8000-000000000001',
  seq,
  kind,
  signerId: null,
  actorKind: 'STAFF',
  actorId: '0190f3a0-0000-7000-8000-000000000002',
  authMethod: 'STAFF_SESSION',
  ip: '198.51.100.7',
  userAgent: 'test',
  documentSha256: 'a'.repeat(64),
  details: { b: 1, a: 'x' },
  occurredAt: new Date(Date.UTC(2026, 10, 21, 12, 0, seq)),
});

function chain(kinds: string[]) {
  let prev = GENESIS_HASH;
  return kinds.map((kind, index) => {
    const content = event(index + 1, kind);
    const hash = chainHash(prev, content);
    const row = { ...content, prevHash: prev, hash };
    prev = hash;
    return row;
  });
}

describe('the evidence chain', () => {
  it('verifies an intact chain and answers its head', () => {
    const rows = chain(['CREATED', 'SENT', 'SIGNED']);
    expect(verifyEvidenceChain(rows)).toEqual({ head: rows[2]!.hash, failures: [] });
  });

  it('hashes the same content the same whatever the key order, and any changed field differently', () => {
    const content = event(1, 'CREATED');
    const reordered = { ...content, details: { a: 'x', b: 1 } };
    expect(chainHash(GENESIS_HASH, reordered)).toBe(chainHash(GENESIS_HASH, content));
    expect(chainHash(GENESIS_HASH, { ...content, ip: '198.51.100.8' })).not.toBe(chainHash(GENESIS_HASH, content));
  });

  it('names the one changed event, a broken link and a gap', () => {
    const rows = chain(['CREATED', 'SENT', 'VIEWED', 'SIGNED']);
    const edited = rows.map((row) => (row.seq === 2 ? { ...row, userAgent: 'forged' } : row));
    expect(verifyEvidenceChain(edited).failures).toEqual(['event 2 (SENT): its content does not give its hash']);
    const removed = [rows[0]!, rows[2]!, rows[3]!];
    expect(verifyEvidenceChain(removed).failures).toEqual([
      'event 2: sequence number 3',
      'event 3 (VIEWED): does not link to the event before it',
      'event 3: sequence number 4',
    ]);
  });
});
