import { allow, or } from 'graphql-shield';
import type { SignatureRequestRow } from '../../../db/schema/documents-signatures.ts';
import { allowedTo, isSignedIn } from '../../../platform/authz.ts';
import { isPortalUser, portalCanSee } from '../../../platform/portal.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

// Portal-visible fields, named one by one: staff with `document:read`, or a portal session granted
// the request's client; which requests a portal user sees (those it signs, once sent) the service
// decides. Signers and fields are reached only through a request the service already let through,
// so their portal fields need a portal session. Evidence events, the document and `client` stay
// staff-only.
const requestForPortal = or(
  allowedTo('document:read'),
  portalCanSee<SignatureRequestRow>('SignatureRequest', (request) => request.clientId),
);
const partForPortal = or(allowedTo('document:read'), isPortalUser);
// Signing is for staff and portal users who are signers of the request; the service checks which.
const signer = or(allowedTo('document:read'), isPortalUser);

/** graphql-shield rules of the e-signature module. */
export const signaturesRules: RuleMap<Resolvers> = {
  Query: {
    signatureRequest: or(allowedTo('document:read'), isPortalUser),
    electronicRecordsConsent: or(isSignedIn, isPortalUser, allowedTo('document:read')),
    verifySignatureRequest: allowedTo('document:read'),
    verifySignedDocument: allow,
  },
  Mutation: {
    createSignatureRequest: allowedTo('signature:send'),
    sendSignatureRequest: allowedTo('signature:send'),
    remindSigner: allowedTo('signature:send'),
    voidSignatureRequest: allowedTo('signature:send'),
    consentToElectronicRecords: signer,
    viewSignatureDocument: signer,
    fillSignatureFields: signer,
    signSignatureRequest: signer,
    declineSignatureRequest: signer,
  },
  SignatureRequest: {
    '*': allowedTo('document:read'),
    id: requestForPortal,
    status: requestForPortal,
    documentVersion: requestForPortal,
    originalSha256: requestForPortal,
    signingOrder: requestForPortal,
    message: requestForPortal,
    expiresAt: requestForPortal,
    createdAt: requestForPortal,
    sentAt: requestForPortal,
    endedAt: requestForPortal,
    endReason: requestForPortal,
    signers: requestForPortal,
    fields: requestForPortal,
    signedSha256: requestForPortal,
  },
  Signer: {
    '*': allowedTo('document:read'),
    id: partForPortal,
    signerIndex: partForPortal,
    order: partForPortal,
    role: partForPortal,
    name: partForPortal,
    status: partForPortal,
    isViewer: partForPortal,
    consentVersion: partForPortal,
    consentedAt: partForPortal,
    viewedAt: partForPortal,
    signedAt: partForPortal,
    declinedAt: partForPortal,
  },
  SignatureField: {
    '*': allowedTo('document:read'),
    id: partForPortal,
    signerIndex: partForPortal,
    page: partForPortal,
    x: partForPortal,
    y: partForPortal,
    width: partForPortal,
    height: partForPortal,
    kind: partForPortal,
    required: partForPortal,
    value: partForPortal,
    filledAt: partForPortal,
  },
  SignatureEvent: allowedTo('document:read'),
  ElectronicRecordsConsent: allow,
  SignatureVerification: allowedTo('document:read'),
  SignedDocumentVerification: allow,
  SignatureRequestPayload: allow,
  ViewSignatureDocumentPayload: allow,
};
