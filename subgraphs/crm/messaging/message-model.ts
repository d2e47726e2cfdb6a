import type { ParticipantKind } from '../../../db/schema/messaging.ts';

/** Someone who takes part in threads: a staff user (`STAFF`) or a portal user (`PORTAL`), by id. */
export interface ParticipantRef {
  kind: ParticipantKind;
  id: string;
}
