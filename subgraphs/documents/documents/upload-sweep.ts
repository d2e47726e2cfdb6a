import type { Database } from '../../../db/client.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { expiredUploads, finishUpload, lockUpload } from './document-store.ts';

/** How many expired uploads one sweep run takes at most. */
const SWEEP_BATCH = 500;

/**
 * Sweeps uploads nobody completed within their hour (issue 16, "Uploads"): each PENDING upload of
 * any firm whose `expiresAt` is before `now` is closed as EXPIRED and its blob, if any bytes
 * arrived, deleted. Meant to run from the job queue (issue 14) every few minutes; idempotent, so a
 * re-run after a crash only finishes the work. Each upload is its own transaction in its own
 * firm; the cross-firm listing goes through `documents.expired_uploads` (ids only).
 * @param now the clock (tests pass their own).
 * @returns how many uploads were swept.
 */
export async function sweepExpiredUploads({
  database,
  store,
  log,
  now = new Date(),
}: {
  database: Database;
  store: BlobStore;
  log?: Logger;
  now?: Date;
}): Promise<number> {
  const due = await database.withTenant({ firmId: null }, (tx) =>
    expiredUploads(tx, { cutoff: now, max: SWEEP_BATCH }),
  );
  let swept = 0;
  for (const { firmId, uploadId } of due) {
    const key = await database.withTenant({ firmId }, async (tx) => {
      const upload = await lockUpload(tx, { firmId, uploadId });
      // Completed (or swept) meanwhile by another run.
      if (!upload || upload.status !== 'PENDING') return null;
      await finishUpload(tx, { firmId, uploadId }, { status: 'EXPIRED' });
      return upload.blobKey;
    });
    if (key === null) continue;
    await store.delete(key);
    swept += 1;
  }
  log?.info({ swept }, 'expired uploads swept');
  return swept;
}
