import type { FirmRow, MembershipRow, RoleValue, UserRow } from '../../../db/schema/tenancy.ts';

/** The `Viewer` as resolvers see it: who is signed in and where they are acting. */
export interface ViewerModel {
  userId: string;
  activeFirmId: string | null;
  activeRole: RoleValue | null;
}

/**
 * A membership as resolvers see it. `firm` and `user` are filled in when the caller was anonymous
 * at the start of the request (accepting an invitation), since the loaders cannot see them then.
 */
export type MembershipModel = MembershipRow & { firm?: FirmRow; user?: UserRow };

/** A freshly issued token pair (the `Session` GraphQL type). Tokens are shown once, never stored. */
export interface IssuedSession {
  accessToken: string;
  /** When the access token stops working: 15 minutes after issue (identity/tokens.ts). */
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  user: UserRow;
}
