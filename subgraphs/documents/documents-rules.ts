import { allow } from 'graphql-shield';
import { isFirmMember } from '../../platform/authz.ts';
import type { RuleMap } from '../../platform/subgraph-server.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';

/**
 * graphql-shield rules of documents' subgraph-wide SDL (`documents.graphql`) and federation's fields.
 * Each module adds its own (`<module>/<module>-rules.ts`); every type nobody names is denied.
 */
export const documentsRules: RuleMap<Resolvers> = {
  Query: {
    _entities: isFirmMember,
    _service: allow,
  },
  PageInfo: allow,
  _Service: allow,
};
