import { CurrencyCodeScalar } from '../shared/money.ts';
import { DateTimeScalar } from '../shared/scalars.ts';
import type { SubgraphDefinition } from '../shared/subgraph-server.ts';
import { createClientLoaders, type ClientLoaders } from './clients/client-loaders.ts';
import { clientResolvers } from './clients/client-resolvers.ts';
import { crmRules } from './crm-rules.ts';

/** The crm subgraph: clients (and, later, contacts, pipeline, engagements and messaging). */
export const crmSubgraph: SubgraphDefinition<ClientLoaders> = {
  name: 'crm',
  resolvers: { DateTime: DateTimeScalar, CurrencyCode: CurrencyCodeScalar, ...clientResolvers },
  rules: crmRules,
  createLoaders: createClientLoaders,
};
