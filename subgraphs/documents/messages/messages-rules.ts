import { isFirmMember } from '../../../platform/authz.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

/** graphql-shield rules of the messages module: the `attachments` documents adds to crm's `Message`. */
export const messagesRules: RuleMap<Resolvers> = {
  // Any signed-in caller of the firm; `attachments` lists only the documents the caller may see.
  Message: isFirmMember,
};
