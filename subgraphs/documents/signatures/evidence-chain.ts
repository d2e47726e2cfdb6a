import { createHash } from 'node:crypto';

/** The `prevHash` of a request's first evidence event: 32 zero bytes, as lowercase hex. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an evidence event says, as it is hashed; every field is part of the hash. */
export interface EvidenceEventContent {
  requestId: string;
  /** 1, 2, … without gaps within the request. */
  seq: number;
  kind: string;
  signerId: string | null;
  actorKind: string;
  actorId: string | null;
  authMethod: string;
  ip: string | null;
  userAgent: string | null;
  /** The document's SHA-256 (lowercase hex) at the moment of the event. */
  documentSha256: string;
  details: Record<string, string | number | boolean | null>;
  /** When it happened; hashed as RFC 3339 UTC with milliseconds (`toISOString`). */
  occurredAt: Date;
}

/** JSON with object keys sorted at every level and no insignificant whitespace (in the manner of RFC 8785, JCS). */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/**
 * The canonical text of an event: exactly the fields of `EvidenceEventContent` (anything else the
 * object carries is left out) as canonical JSON, `occurredAt` as an ISO 8601 UTC string.
 */
function canonicalEvent(event: EvidenceEventContent): string {
  const { requestId, seq, kind, signerId, actorKind, actorId, authMethod, ip, userAgent, documentSha256, details } =
    event;
  return canonicalJson({
    requestId,
    seq,
    kind,
    signerId,
    actorKind,
    actorId,
    authMethod,
    ip,
    userAgent,
    documentSha256,
    details,
    occurredAt: event.occurredAt.toISOString(),
  });
}

/**
 * The hash of an evidence event: `sha256(prev ‖ canonical event)`, where `prev` is the previous
 * event's hash as 32 raw bytes (`GENESIS_HASH` for the first) and the canonical event is UTF-8
 * (`canonicalEvent`), as the audit log chains its entries.
 * @param prevHash lowercase hex, 64 digits.
 * @returns lowercase hex, 64 digits.
 */
export function chainHash(prevHash: string, event: EvidenceEventContent): string {
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(canonicalEvent(event), 'utf8').digest('hex');
}

/**
 * Recomputes a request's chain from its stored events, in `seq` order. Each event is checked on its
 * own: that its `prevHash` is the stored hash of the event before it (the genesis hash for the
 * first), and that `sha256(prevHash ‖ canonical event)` is its stored `hash`; so a changed event is
 * named, not every event after it.
 * @returns the recomputed hash of the last event (the head; `GENESIS_HASH` when there is none), and
 *   one line per problem: a gap in `seq`, an event that does not link to the one before it, or one
 *   whose content does not give its hash.
 */
export function verifyEvidenceChain(events: readonly (EvidenceEventContent & { prevHash: string; hash: string })[]): {
  head: string;
  failures: string[];
} {
  const failures: string[] = [];
  let previous = GENESIS_HASH;
  let head = GENESIS_HASH;
  events.forEach((event, index) => {
    if (event.seq !== index + 1) failures.push(`event ${index + 1}: sequence number ${event.seq}`);
    if (event.prevHash !== previous)
      failures.push(`event ${event.seq} (${event.kind}): does not link to the event before it`);
    head = chainHash(event.prevHash, event);
    if (event.hash !== head) failures.push(`event ${event.seq} (${event.kind}): its content does not give its hash`);
    previous = event.hash;
  });
  return { head, failures };
}
