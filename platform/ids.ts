import { v7 as uuidv7, validate } from 'uuid';

/** A new UUIDv7 (RFC 9562 §5.7): time-ordered, so new rows append to the primary-key index. */
export function newId(): string {
  return uuidv7();
}

/** True when `value` is a UUID. Ids that are not are answered like missing ids. */
export function isUuid(value: string): boolean {
  return validate(value);
}
