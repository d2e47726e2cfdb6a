import type { EventBus } from '../platform/event-bus.ts';
import type { Logger } from '../platform/logger.ts';
import type { Actor } from '../platform/signed-context.ts';

/** Longest a resolution is trusted without asking tenancy again (README "Authentication"). */
const MAX_AGE_MS = 30_000;
/** Resolutions held per gateway process; the least recently used goes first. */
const MAX_ENTRIES = 20_000;

/** A credential's resolution as cached: the actor, until when, and what revokes it. */
interface Entry {
  actor: Actor;
  expiresAtMs: number;
  subjects: readonly string[];
}

/** The gateway's credential cache (see `connectCredentialCache`). */
export interface CredentialCache {
  /** The cached actor of the credential whose SHA-256 hex is `tokenHash`, or undefined (not cached, expired, or the bus is down). */
  get(tokenHash: string): Actor | undefined;
  /**
   * A mark of the revocations heard so far: taken before asking tenancy, it lets `set` refuse a
   * resolution that a revocation heard during the question may already have ended.
   */
  mark(): number;
  /**
   * Caches a resolution until the earlier of `MAX_AGE_MS` from now and `expiresAtMs` (the
   * credential's own expiry), unless the bus is down, a revocation arrived since `mark`, or the
   * actor acts in no firm or is an operator.
   */
  set(
    tokenHash: string,
    mark: number,
    resolution: { actor: Actor; expiresAtMs: number; subjects: readonly string[] },
  ): void;
  /** Stops listening to the bus and forgets everything. */
  close(): Promise<void>;
}

/**
 * Caches what tenancy's introspection answered, keyed by the credential's SHA-256, for at most
 * 30 seconds, and drops entries the moment a `credential.revoked` event names one of their
 * subjects (platform/event-bus.ts). It fails closed: while the bus is down (`watchLiveness`) it
 * holds nothing and caches nothing, so every request asks tenancy; on coming back it starts empty,
 * since revocations sent meanwhile were missed.
 *
 * Not cached: an actor acting in no firm (a staff user between firms or held for MFA enrolment),
 * which reaches no tenant data, and any operator, whose break-glass access tenancy audits on every
 * request.
 */
export async function connectCredentialCache(bus: EventBus, log: Logger): Promise<CredentialCache> {
  const entries = new Map<string, Entry>();
  const bySubject = new Map<string, Set<string>>();
  let live = false;
  let revocations = 0;

  const drop = (tokenHash: string) => {
    const entry = entries.get(tokenHash);
    if (!entry) return;
    entries.delete(tokenHash);
    for (const subject of entry.subjects) {
      const hashes = bySubject.get(subject);
      hashes?.delete(tokenHash);
      if (hashes?.size === 0) bySubject.delete(subject);
    }
  };
  const clear = () => {
    entries.clear();
    bySubject.clear();
  };

  const unsubscribe = await bus.subscribe((event) => {
    if (event.topic !== 'credential.revoked') return;
    revocations += 1;
    for (const subject of event.payload.subjects) {
      for (const tokenHash of [...(bySubject.get(subject) ?? [])]) drop(tokenHash);
    }
  });
  const unwatch = bus.watchLiveness((next) => {
    live = next;
    revocations += 1;
    clear();
    log.info({ live }, live ? 'credential cache on: the bus is live' : 'credential cache off: the bus is down');
  });

  return {
    get: (tokenHash) => {
      if (!live) return undefined;
      const entry = entries.get(tokenHash);
      if (!entry) return undefined;
      if (Date.now() >= entry.expiresAtMs) {
        drop(tokenHash);
        return undefined;
      }
      // Least recently used first: a hit moves the entry to the end.
      entries.delete(tokenHash);
      entries.set(tokenHash, entry);
      return entry.actor;
    },
    mark: () => revocations,
    set: (tokenHash, mark, { actor, expiresAtMs, subjects }) => {
      if (!live || mark !== revocations) return;
      if (actor.kind === 'ANONYMOUS' || actor.kind === 'OPERATOR' || actor.firmId === null) return;
      drop(tokenHash);
      entries.set(tokenHash, { actor, expiresAtMs: Math.min(expiresAtMs, Date.now() + MAX_AGE_MS), subjects });
      for (const subject of subjects) {
        let hashes = bySubject.get(subject);
        if (!hashes) bySubject.set(subject, (hashes = new Set()));
        hashes.add(tokenHash);
      }
      if (entries.size > MAX_ENTRIES) drop(entries.keys().next().value!);
    },
    close: async () => {
      unwatch();
      await unsubscribe();
      clear();
    },
  };
}
