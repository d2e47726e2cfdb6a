import type { SubgraphContext } from '../../platform/subgraph-server.ts';
import type { ClientLoaders } from './clients/client-loaders.ts';
import type { ContactLoaders } from './contacts/contact-loaders.ts';
import type { EngagementLoaders } from './engagements/engagement-loaders.ts';
import type { MessageLoaders } from './messaging/message-loaders.ts';
import type { OrganizationLoaders } from './organizations/organization-loaders.ts';

/** Per-request loaders of the crm subgraph, one set per domain module. */
export type CrmLoaders = ClientLoaders & ContactLoaders & OrganizationLoaders & EngagementLoaders & MessageLoaders;

/** Per-request context of the crm subgraph. */
export type CrmContext = SubgraphContext<CrmLoaders>;
