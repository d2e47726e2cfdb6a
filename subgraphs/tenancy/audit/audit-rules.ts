import { allow } from 'graphql-shield';
import { allowedTo } from '../../../platform/authz.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

/** graphql-shield rules of the audit module: the firm's audit log, its verification and retention. */
export const auditRules: RuleMap<Resolvers> = {
  Query: {
    auditLog: allowedTo('audit:read'),
    verifyAuditLog: allowedTo('audit:read'),
  },
  Mutation: {
    updateAuditRetention: allowedTo('firm:update'),
  },
  AuditLogEntry: allowedTo('audit:read'),
  AuditMetadataField: allowedTo('audit:read'),
  AuditLogConnection: allow,
  AuditLogEdge: allow,
  AuditLogVerification: allowedTo('audit:read'),
  UpdateAuditRetentionPayload: allow,
};
