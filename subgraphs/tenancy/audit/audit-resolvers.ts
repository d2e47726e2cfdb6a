import { selectsField } from '../../../platform/relay.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { auditLogPage, updateAuditRetention, verifyFirmAuditLog } from './audit-service.ts';

/** Resolvers of the audit log: reading it, verifying its chain and setting its retention. */
export const auditResolvers: Resolvers = {
  Query: {
    auditLog: (_parent, args, ctx, info) => auditLogPage(ctx, args, selectsField(info, 'totalCount')),
    verifyAuditLog: async (_parent, _args, ctx) => {
      const check = await verifyFirmAuditLog(ctx);
      return {
        ok: check.reason === null,
        checkedCount: check.checkedCount,
        firstBrokenSeq: check.firstBrokenSeq?.toString() ?? null,
        firstBrokenEntryId: check.firstBrokenEntryId,
        reason: check.reason,
      };
    },
  },
  Mutation: {
    updateAuditRetention: (_parent, { input }, ctx) => updateAuditRetention(ctx, input),
  },
  AuditLogEntry: {
    seq: (entry) => entry.seq.toString(),
    metadata: (entry) =>
      Object.entries(entry.metadata).map(([key, value]) => ({ key, value: value === null ? null : String(value) })),
    prevHash: (entry) => entry.prevHash.toString('hex'),
    hash: (entry) => entry.hash.toString('hex'),
  },
};
