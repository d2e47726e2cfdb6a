import type { BreakGlassGrantRow } from '../../../db/schema/break-glass.ts';

/** An operator as a firm's owners see them on a grant: no password hash. */
export interface OperatorSummary {
  id: string;
  name: string;
  email: string;
}

/** A grant with the operators who requested and approved it. */
export type BreakGlassGrantModel = BreakGlassGrantRow & {
  operator: OperatorSummary;
  approvedBy: OperatorSummary | null;
};

/** An operator token as `logInOperator` and `activateBreakGlass` return it. Shown once, never stored. */
export interface IssuedOperatorSession {
  accessToken: string;
  accessTokenExpiresAt: Date;
  operator: OperatorSummary;
}
