import type { PortalUserRow } from '../../../db/schema/portal.ts';

/** A freshly issued portal token pair (the `PortalSession` GraphQL type). Tokens are shown once, never stored. */
export interface IssuedPortalSession {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  portalUser: PortalUserRow;
}

/** The `PortalViewer` as resolvers see it: the portal user and the clients the session reaches. */
export interface PortalViewerModel {
  portalUser: PortalUserRow;
  clientIds: string[];
}
