export * from './tenancy.ts';
export * from './api-keys.ts';
export * from './break-glass.ts';
export * from './mfa.ts';
export * from './audit.ts';
export * from './crm.ts';
export * from './billing.ts';
export * from './documents.ts';
