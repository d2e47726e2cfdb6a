import type { Resolvers } from '../__generated__/resolvers-types.ts';
import {
  archiveTaxRate,
  createTaxRate,
  firmTaxRates,
  percentOfBasisPoints,
  updateTaxRate,
} from './tax-rate-service.ts';

/** Resolvers of `TaxRate`, `Query.taxRates` and the tax rate mutations. */
export const taxRateResolvers: Resolvers = {
  Query: {
    taxRates: (_parent, { includeArchived }, ctx) => firmTaxRates(ctx, includeArchived ?? false),
  },
  Mutation: {
    createTaxRate: (_parent, { input }, ctx) => createTaxRate(ctx, input),
    updateTaxRate: (_parent, { input }, ctx) => updateTaxRate(ctx, input),
    archiveTaxRate: (_parent, { input }, ctx) => archiveTaxRate(ctx, input.id),
  },
  TaxRate: {
    rate: (taxRate) => percentOfBasisPoints(taxRate.rateBasisPoints),
  },
};
