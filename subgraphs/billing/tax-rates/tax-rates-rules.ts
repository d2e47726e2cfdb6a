import { allow } from 'graphql-shield';
import { allowedTo } from '../../../platform/authz.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

/**
 * graphql-shield rules of the tax rates module: staff with `invoice:read` see the rates,
 * `tax_rate:write` changes them. Portal users see only the names and rates snapshotted on their
 * invoices' lines, never this type.
 */
export const taxRatesRules: RuleMap<Resolvers> = {
  Query: { taxRates: allowedTo('invoice:read') },
  Mutation: {
    createTaxRate: allowedTo('tax_rate:write'),
    updateTaxRate: allowedTo('tax_rate:write'),
    archiveTaxRate: allowedTo('tax_rate:write'),
  },
  TaxRate: allowedTo('invoice:read'),
  TaxRatePayload: allow,
};
