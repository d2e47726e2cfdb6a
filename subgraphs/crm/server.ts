import { CurrencyCodeScalar } from '../../platform/money.ts';
import { DateScalar, DateTimeScalar } from '../../platform/scalars.ts';
import { startOutboxDispatcher } from '../../platform/outbox.ts';
import { mergeDisjoint, type SubgraphDefinition } from '../../platform/subgraph-server.ts';
import { createClientLoaders } from './clients/client-loaders.ts';
import { clientResolvers } from './clients/client-resolvers.ts';
import { clientsRules } from './clients/clients-rules.ts';
import { createContactLoaders } from './contacts/contact-loaders.ts';
import { contactResolvers } from './contacts/contact-resolvers.ts';
import { contactsRules } from './contacts/contacts-rules.ts';
import { createEngagementLoaders } from './engagements/engagement-loaders.ts';
import { engagementResolvers } from './engagements/engagement-resolvers.ts';
import { engagementsRules } from './engagements/engagements-rules.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import type { CrmLoaders } from './crm-context.ts';
import { crmRules } from './crm-rules.ts';
import { createMessageLoaders } from './messaging/message-loaders.ts';
import { messageResolvers } from './messaging/message-resolvers.ts';
import { messagingRules } from './messaging/messaging-rules.ts';
import { createOrganizationLoaders } from './organizations/organization-loaders.ts';
import { organizationResolvers } from './organizations/organization-resolvers.ts';
import { organizationsRules } from './organizations/organizations-rules.ts';

/** The crm subgraph: clients, contacts, client organizations, engagements and message threads (and, later, pipeline). */
export const crmSubgraph: SubgraphDefinition<CrmLoaders, Resolvers> = {
  name: 'crm',
  resolvers: mergeDisjoint(
    { DateTime: DateTimeScalar, Date: DateScalar, CurrencyCode: CurrencyCodeScalar },
    clientResolvers,
    contactResolvers,
    organizationResolvers,
    engagementResolvers,
    messageResolvers,
  ),
  // Rule maps merge type by type like resolver maps (contacts, engagements and messaging add fields to `Client`).
  rules: mergeDisjoint(crmRules, clientsRules, contactsRules, organizationsRules, engagementsRules, messagingRules),
  createLoaders: (scope) =>
    mergeDisjoint(
      createClientLoaders(scope),
      createContactLoaders(scope),
      createOrganizationLoaders(scope),
      createEngagementLoaders(scope),
      createMessageLoaders(scope),
    ),
  // The crm outbox's dispatcher runs in every crm process; replicas share the work (SKIP LOCKED).
  startBackground: async (deps) => {
    const dispatcher = await startOutboxDispatcher({ schema: 'crm', ...deps });
    return () => dispatcher.stop();
  },
};
