import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { permissionEnumValue, permissionOfEnumValue } from '../../../platform/permissions.ts';
import { API_KEY_PREFIX } from '../../../platform/credentials.ts';
import { apiKeysOfActiveFirm, createApiKey, revokeApiKey } from './api-key-service.ts';

/**
 * Resolvers of API keys. The `Permission` enum is generated from the catalogue (`npm run compose`):
 * `scopes` in both directions fails to compile if the generated enum and the catalogue drift.
 */
export const apiKeyResolvers: Resolvers = {
  Query: {
    apiKeys: (_parent, args, ctx) => apiKeysOfActiveFirm(ctx, args),
  },
  Mutation: {
    createApiKey: (_parent, { input }, ctx) =>
      createApiKey(ctx, {
        name: input.name,
        scopes: input.scopes.map(permissionOfEnumValue),
        expiresAt: input.expiresAt,
      }),
    revokeApiKey: (_parent, { input }, ctx) => revokeApiKey(ctx, input.id),
  },
  ApiKey: {
    scopes: (key) => key.scopes.map(permissionEnumValue),
    maskedSecret: (key) => `${API_KEY_PREFIX}…${key.tokenLast4}`,
  },
};
