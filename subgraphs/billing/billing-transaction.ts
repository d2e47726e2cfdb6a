import type { Database, Tx } from '../../db/client.ts';

/** Thrown by `refuse` to roll a transaction back and answer with a payload instead. */
class Refusal<T> extends Error {
  constructor(readonly payload: T) {
    super('refused');
  }
}

/** Rolls the transaction back and answers with `payload` (`transactOrRefuse`). */
export type Refuse<T> = (payload: T) => never;

/**
 * Runs `work` as one `withTenant` transaction of `firmId`. When `work` calls `refuse(payload)` —
 * user errors found after something was written — the transaction rolls back and `payload` is the
 * answer, so a refused mutation writes nothing. When it throws an error `mapError` turns into a
 * payload (a database rule the user broke), that payload is the answer. Anything else propagates.
 */
export async function transactOrRefuse<T>(
  database: Database,
  firmId: string,
  work: (tx: Tx, refuse: Refuse<T>) => Promise<T>,
  mapError: (error: unknown) => T | null = () => null,
): Promise<T> {
  try {
    return await database.withTenant({ firmId }, (tx) =>
      work(tx, (payload) => {
        throw new Refusal(payload);
      }),
    );
  } catch (error) {
    if (error instanceof Refusal) return error.payload as T;
    const mapped = mapError(error);
    if (mapped !== null) return mapped;
    throw error;
  }
}
