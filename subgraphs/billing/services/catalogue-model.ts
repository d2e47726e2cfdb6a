import type { BillingArrangement, BillingType } from '../__generated__/resolvers-types.ts';
import type { EntityReference } from '../billing-model.ts';

/** What `EngagementServiceLine` resolvers receive: the service's key and how it is billed. */
export interface EngagementServiceLineModel {
  service: EntityReference;
  billingType: BillingType;
}

/** What `EngagementBillingArrangement` resolvers receive. */
export interface EngagementBillingArrangementModel {
  arrangement: BillingArrangement;
  serviceLines: EngagementServiceLineModel[];
}
