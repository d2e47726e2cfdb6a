import type { Permission as PermissionValue, Resolvers } from '../__generated__/resolvers-types.ts';
import type { Permission } from '../../../platform/permissions.ts';
import { API_KEY_PREFIX } from './api-key-token.ts';
import { apiKeysOfActiveFirm, createApiKey, revokeApiKey } from './api-key-service.ts';

/** The `Permission` enum value of each catalogue permission. A new permission does not compile until it is here and in the SDL. */
export const PERMISSION_ENUM: Readonly<Record<Permission, PermissionValue>> = {
  'firm:read': 'FIRM_READ',
  'firm:update': 'FIRM_UPDATE',
  'member:read': 'MEMBER_READ',
  'member:invite': 'MEMBER_INVITE',
  'client:read': 'CLIENT_READ',
  'client:write': 'CLIENT_WRITE',
  'client:archive': 'CLIENT_ARCHIVE',
  'invoice:read': 'INVOICE_READ',
  'document:read': 'DOCUMENT_READ',
  'api_key:read': 'API_KEY_READ',
  'api_key:write': 'API_KEY_WRITE',
  'audit:read': 'AUDIT_READ',
  'contact:read': 'CONTACT_READ',
  'contact:write': 'CONTACT_WRITE',
  'portal:invite': 'PORTAL_INVITE',
  'message:read': 'MESSAGE_READ',
  'message:send': 'MESSAGE_SEND',
};

const PERMISSION_OF = new Map(Object.entries(PERMISSION_ENUM).map(([permission, value]) => [value, permission as Permission]));

/** Resolvers of API keys. */
export const apiKeyResolvers: Resolvers = {
  Query: {
    apiKeys: (_parent, args, ctx) => apiKeysOfActiveFirm(ctx, args),
  },
  Mutation: {
    createApiKey: (_parent, { input }, ctx) =>
      createApiKey(ctx, { name: input.name, scopes: input.scopes.map((value) => PERMISSION_OF.get(value)!), expiresAt: input.expiresAt }),
    revokeApiKey: (_parent, { input }, ctx) => revokeApiKey(ctx, input.id),
  },
  ApiKey: {
    scopes: (key) => key.scopes.map((scope) => PERMISSION_ENUM[scope]),
    maskedSecret: (key) => `${API_KEY_PREFIX}…${key.tokenLast4}`,
  },
};
