import { allow } from 'graphql-shield';
import { allowedTo } from '../../../platform/authz.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

/** graphql-shield rules of the api-keys module. */
export const apiKeysRules: RuleMap<Resolvers> = {
  Query: {
    apiKeys: allowedTo('api_key:read'),
  },
  Mutation: {
    createApiKey: allowedTo('api_key:write'),
    revokeApiKey: allowedTo('api_key:write'),
  },
  ApiKey: allowedTo('api_key:read'),
  ApiKeyConnection: allow,
  ApiKeyEdge: allow,
  CreateApiKeyPayload: allow,
  RevokeApiKeyPayload: allow,
};
