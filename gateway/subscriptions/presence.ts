import type { BusEvent, EventBus } from '../../platform/event-bus.ts';
import { newId } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import type { LiveSubscription } from './connection.ts';

/**
 * Presence on this gateway (README "Real-time messaging", `presenceChanged`): a staff or portal user
 * is online on a client while it holds at least one subscription on the client or one of its
 * threads here. Returns the function to call with +1 when a subscription starts and -1 when it
 * ends; the first start and the last end publish `presence.changed` `{ clientId, participantKind,
 * participantId, online }` on the bus (never stored; a failed publish is logged). API keys and
 * operators have no presence, nor do subscriptions on no client (`timerChanged`).
 */
export function trackPresence(bus: EventBus, log: Logger): (subscription: LiveSubscription, delta: 1 | -1) => void {
  /** Subscriptions per `firmId|clientId|participantKind|participantId`. */
  const presence = new Map<string, number>();
  return (subscription, delta) => {
    const { actor } = subscription.connection;
    if ((actor.kind !== 'STAFF' && actor.kind !== 'PORTAL') || subscription.clientId === null) return;
    const participantKind = actor.kind;
    const participantId = actor.kind === 'STAFF' ? actor.userId : actor.portalUserId;
    const key = `${actor.firmId}|${subscription.clientId}|${participantKind}|${participantId}`;
    const count = (presence.get(key) ?? 0) + delta;
    if (count === 0) presence.delete(key);
    else presence.set(key, count);
    if ((delta === 1 && count === 1) || count === 0) {
      const event: BusEvent = {
        id: newId(),
        firmId: actor.firmId!,
        topic: 'presence.changed',
        payload: { clientId: subscription.clientId, participantKind, participantId, online: count > 0 },
      };
      bus.publish(event).catch((error: unknown) => log.warn({ err: error }, 'presence publish failed'));
    }
  };
}
