import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { findDocument } from '../documents/document-service.ts';
import {
  clientSignatureRequests,
  consentToElectronicRecords,
  createSignatureRequest,
  currentConsent,
  declineSignatureRequest,
  effectiveStatus,
  fillSignatureFields,
  findSignatureRequest,
  isViewerSigner,
  remindSigner,
  requestEvents,
  requestFields,
  requestSigners,
  sendSignatureRequest,
  signSignatureRequest,
  verifySignatureRequest,
  verifySignedDocument,
  viewSignatureDocument,
  voidSignatureRequest,
} from './signature-service.ts';
import { notFound } from '../../../platform/errors.ts';

/** Resolvers of `SignatureRequest`, its parts, `Client.signatureRequests` and the e-signature root fields. */
export const signatureResolvers: Resolvers = {
  Query: {
    signatureRequest: (_parent, { id }, ctx) => findSignatureRequest(ctx, id),
    electronicRecordsConsent: () => currentConsent(),
    verifySignatureRequest: async (_parent, { id }, ctx) => {
      const result = await verifySignatureRequest(ctx, id);
      if (!result) throw notFound('SignatureRequest');
      return result;
    },
    verifySignedDocument: (_parent, { sha256 }, ctx) => verifySignedDocument(ctx, sha256),
  },
  Mutation: {
    createSignatureRequest: (_parent, { input }, ctx) => createSignatureRequest(ctx, input),
    sendSignatureRequest: (_parent, { input }, ctx) => sendSignatureRequest(ctx, input),
    remindSigner: (_parent, { input }, ctx) => remindSigner(ctx, input),
    voidSignatureRequest: (_parent, { input }, ctx) => voidSignatureRequest(ctx, input),
    consentToElectronicRecords: (_parent, { input }, ctx) => consentToElectronicRecords(ctx, input),
    viewSignatureDocument: (_parent, { input }, ctx) => viewSignatureDocument(ctx, input),
    fillSignatureFields: (_parent, { input }, ctx) => fillSignatureFields(ctx, input),
    signSignatureRequest: (_parent, { input }, ctx) => signSignatureRequest(ctx, input),
    declineSignatureRequest: (_parent, { input }, ctx) => declineSignatureRequest(ctx, input),
  },
  Client: {
    signatureRequests: (client, _args, ctx) => clientSignatureRequests(ctx, client.id),
  },
  SignatureRequest: {
    __resolveReference: (reference, ctx) => findSignatureRequest(ctx, reference.id),
    status: (request) => effectiveStatus(request),
    client: (request) => ({ id: request.clientId }),
    document: async (request, _args, ctx) => {
      const document = await findDocument(ctx, request.documentId);
      if (!document) throw notFound('Document');
      return document;
    },
    documentVersion: async (request, _args, ctx) => {
      const version = await ctx.loaders.versionById.load(request.documentVersionId);
      if (!version) throw notFound('DocumentVersion');
      return version;
    },
    signedVersion: (request, _args, ctx) =>
      request.signedVersionId ? ctx.loaders.versionById.load(request.signedVersionId) : null,
    signers: (request, _args, ctx) => requestSigners(ctx, request),
    fields: (request, _args, ctx) => requestFields(ctx, request),
    events: (request, _args, ctx) => requestEvents(ctx, request),
  },
  Signer: {
    isViewer: (signer, _args, ctx) => isViewerSigner(ctx, signer),
  },
};
