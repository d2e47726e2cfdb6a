/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Input for `createApiKey`. */
export type CreateApiKeyInput = {
  /** When the key stops working: in the future, at most one year from now. */
  expiresAt: string;
  /** What the key is for (1-200 characters). */
  name: string;
  /**
   * The permissions the key holds, at least one, none above the creator's own. `MEMBER_INVITE`,
   * `API_KEY_WRITE` and `FIRM_UPDATE` cannot be given to keys.
   */
  scopes: Array<Permission>;
};

/**
 * One permission of FirmGraph's closed catalogue, as API key scopes name them. Each value stands for
 * a `resource:verb` permission: `CLIENT_READ` is `client:read`, `API_KEY_WRITE` is `api_key:write`.
 */
export type Permission =
  /** See the firm's API keys (never their secrets). */
  | 'API_KEY_READ'
  /** Create and revoke API keys. */
  | 'API_KEY_WRITE'
  /** Read the firm's audit log. */
  | 'AUDIT_READ'
  /** Archive client accounts. */
  | 'CLIENT_ARCHIVE'
  /** See client accounts. */
  | 'CLIENT_READ'
  /** Create and edit client accounts. */
  | 'CLIENT_WRITE'
  /** See client contacts. */
  | 'CONTACT_READ'
  /** Create and edit client contacts and client organizations. */
  | 'CONTACT_WRITE'
  /** See document records. */
  | 'DOCUMENT_READ'
  /** See the firm's profile. */
  | 'FIRM_READ'
  /** Change the firm's settings. */
  | 'FIRM_UPDATE'
  /** See invoices and balances. */
  | 'INVOICE_READ'
  /** Invite people to the firm. */
  | 'MEMBER_INVITE'
  /** See the firm's members and their roles. */
  | 'MEMBER_READ'
  /** Read client message threads. */
  | 'MESSAGE_READ'
  /** Send messages in client threads. */
  | 'MESSAGE_SEND'
  /** Invite client contacts to the portal and revoke their access. */
  | 'PORTAL_INVITE';

/** Input for `revokeApiKey`. */
export type RevokeApiKeyInput = {
  /** The key's id. */
  id: string | number;
};

/** Machine-readable reason for a user error. */
export type UserErrorCode =
  /** The portal user has already accepted the invitation. */
  | 'ALREADY_ACTIVE'
  /** The contact or email already has portal access in this firm. */
  | 'ALREADY_INVITED'
  /** The user is already a member of this firm. */
  | 'ALREADY_MEMBER'
  /** The client is archived and cannot be changed. */
  | 'ARCHIVED'
  /** The message was deleted. */
  | 'DELETED'
  /** The same item is named twice. */
  | 'DUPLICATE'
  /** The 15 minutes in which a message can be edited or deleted have passed. */
  | 'EDIT_WINDOW_CLOSED'
  /** The break-glass grant is not live: not yet approved, expired, revoked, or another operator's. */
  | 'GRANT_NOT_LIVE'
  /** The break-glass grant is no longer waiting for approval (approved, started or revoked). */
  | 'GRANT_NOT_PENDING'
  /** The value is not in the expected format. */
  | 'INVALID'
  /** The one-time code (TOTP or backup code) is wrong, expired or already used. */
  | 'INVALID_CODE'
  /** The email or password is wrong. */
  | 'INVALID_CREDENTIALS'
  /** The token is unknown, used or expired. */
  | 'INVALID_TOKEN'
  /** MFA is already enabled for this user. */
  | 'MFA_ALREADY_ENABLED'
  /** MFA is not enabled (or enrolment was not started) for this user. */
  | 'MFA_NOT_ENABLED'
  /** The message is not yours to change. */
  | 'NOT_AUTHOR'
  /** The referenced item does not exist or may not be used here. */
  | 'NOT_FOUND'
  /** A required value is missing or blank. */
  | 'REQUIRED'
  /** The portal user's access was revoked. */
  | 'REVOKED'
  /** The caller may not grant this role. */
  | 'ROLE_NOT_GRANTABLE'
  /** The permission cannot be given to an API key, or exceeds the caller's own permissions. */
  | 'SCOPE_NOT_GRANTABLE'
  /** An operator cannot approve their own break-glass request. */
  | 'SELF_APPROVAL'
  /** The value is already taken. */
  | 'TAKEN'
  /** The value is too long. */
  | 'TOO_LONG'
  /** A client named in the input does not exist in the active firm. */
  | 'UNKNOWN_CLIENT'
  /** The password does not meet the strength rules. */
  | 'WEAK_PASSWORD';

export type CacheCreateKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type CacheCreateKeyMutation = { createApiKey: { secret: string | null, apiKey: { id: string } | null, userErrors: Array<{ code: UserErrorCode }> } };

export type CacheRevokeKeyMutationVariables = Exact<{
  input: RevokeApiKeyInput;
}>;


export type CacheRevokeKeyMutation = { revokeApiKey: { apiKey: { revokedAt: string | null } | null } };

export type DashboardQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardQuery = { me: { user: { name: string }, activeFirm: { name: string, clients: { totalCount: number, edges: Array<{ node: { name: string, balance: { amount: string, currency: string }, invoices: { totalCount: number }, documents: { totalCount: number } } }> } | null } | null } | null };


export const CacheCreateKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CacheCreateKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateApiKeyInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createApiKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiKey"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<CacheCreateKeyMutation, CacheCreateKeyMutationVariables>;
export const CacheRevokeKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CacheRevokeKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RevokeApiKeyInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeApiKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiKey"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]}}]} as unknown as DocumentNode<CacheRevokeKeyMutation, CacheRevokeKeyMutationVariables>;
export const DashboardDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Dashboard"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"activeFirm"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"clients"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"balance"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"invoices"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"5"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"documents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"5"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}}]}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<DashboardQuery, DashboardQueryVariables>;