import { allow, or } from 'graphql-shield';
import type { ClientRow } from '../../../db/schema/crm.ts';
import type { EngagementRow } from '../../../db/schema/engagements.ts';
import { allowedTo } from '../../../platform/authz.ts';
import { isPortalUser, portalCanSee } from '../../../platform/portal.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

// Portal-visible engagement fields: staff with `engagement:read`, or a portal session granted the
// engagement's client. The manager, team, description and timestamps stay staff-only.
const engagementForPortal = or(
  allowedTo('engagement:read'),
  portalCanSee<EngagementRow>('Engagement', (engagement) => engagement.clientId),
);

/**
 * graphql-shield rules of the engagements module: `Engagement`, `Client.engagements`,
 * `Firm.engagements` and the engagement root fields. `engagement(id)` lets portal users through to
 * the service, whose loader answers only engagements of their granted clients.
 */
export const engagementsRules: RuleMap<Resolvers> = {
  Query: {
    engagement: or(allowedTo('engagement:read'), isPortalUser),
  },
  Mutation: {
    createEngagement: allowedTo('engagement:write'),
    updateEngagement: allowedTo('engagement:write'),
    changeEngagementStatus: allowedTo('engagement:write'),
    assignEngagementTeamMember: allowedTo('engagement:write'),
    removeEngagementTeamMember: allowedTo('engagement:write'),
  },
  Engagement: {
    '*': allowedTo('engagement:read'),
    id: engagementForPortal,
    client: engagementForPortal,
    name: engagementForPortal,
    code: engagementForPortal,
    status: engagementForPortal,
    startDate: engagementForPortal,
    endDate: engagementForPortal,
  },
  Client: {
    engagements: or(
      allowedTo('engagement:read'),
      portalCanSee<ClientRow>('Client.engagements', (client) => client.id),
    ),
  },
  Firm: {
    engagements: allowedTo('engagement:read'),
  },
  EngagementConnection: allow,
  EngagementEdge: allow,
  CreateEngagementPayload: allow,
  UpdateEngagementPayload: allow,
  ChangeEngagementStatusPayload: allow,
  AssignEngagementTeamMemberPayload: allow,
  RemoveEngagementTeamMemberPayload: allow,
};
