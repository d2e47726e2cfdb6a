export * from './tenancy.ts';
export * from './crm.ts';
export * from './billing.ts';
export * from './documents.ts';
