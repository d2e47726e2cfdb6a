import { asFirm, type Tx } from '../../db/client.ts';
import type { BusMessage } from '../../platform/event-bus.ts';
import { enqueueEvents } from '../../platform/outbox.ts';

/** Subjects per event: the bus's `credential.revoked` payload holds at most 200 (platform/event-bus.ts). */
const SUBJECTS_PER_EVENT = 200;

/**
 * Tells every gateway, through tenancy's outbox in the caller's transaction, that access of these
 * credentials ended or narrowed: one `credential.revoked` event per firm, naming its subjects
 * (`session:<id>`, `user:<id>`, `firm:<id>`, `api_key:<id>`, `portal_user:<id>`,
 * `portal_session:<id>`; platform/event-bus.ts). It commits with the change, and gateways drop
 * their cached resolutions of those credentials (gateway/credential-cache.ts).
 *
 * A revocation with no firm is skipped: gateways cache only resolutions that act in a firm.
 * Each firm's event is written as that firm (`asFirm`), whatever firm the transaction acts for.
 */
export async function publishRevocations(
  tx: Tx,
  revocations: readonly { firmId: string | null; subject: string }[],
): Promise<void> {
  const byFirm = new Map<string, string[]>();
  for (const { firmId, subject } of revocations) {
    if (!firmId) continue;
    const subjects = byFirm.get(firmId) ?? [];
    if (!subjects.includes(subject)) subjects.push(subject);
    byFirm.set(firmId, subjects);
  }
  for (const [firmId, subjects] of [...byFirm].sort(([a], [b]) => a.localeCompare(b))) {
    const events: BusMessage[] = [];
    for (let i = 0; i < subjects.length; i += SUBJECTS_PER_EVENT) {
      events.push({
        firmId,
        topic: 'credential.revoked' as const,
        payload: { subjects: subjects.slice(i, i + SUBJECTS_PER_EVENT) },
      });
    }
    await asFirm(tx, firmId, () => enqueueEvents(tx, 'tenancy', events));
  }
}
