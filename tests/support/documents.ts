import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { graphql } from '../gql/index.ts';
import type { TestStack } from './stack.ts';

const REQUEST_UPLOAD = graphql(`
  mutation SupportRequestUpload($input: RequestDocumentUploadInput!) {
    requestDocumentUpload(input: $input) {
      upload {
        uploadId
        url
        fields {
          name
          value
        }
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const COMPLETE_UPLOAD = graphql(`
  mutation SupportCompleteUpload($input: CompleteDocumentUploadInput!) {
    completeDocumentUpload(input: $input) {
      document {
        id
      }
      version {
        id
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const CREATE_FOLDER = graphql(`
  mutation SupportCreateFolder($input: CreateFolderInput!) {
    createFolder(input: $input) {
      folder {
        id
      }
      userErrors {
        field
        code
      }
    }
  }
`);

/** The SHA-256 of `bytes`, lowercase hex, as the upload API takes it. */
export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A minimal valid one-page PDF (US Letter), `extra` bytes of comment making each distinct. */
export function minimalPdf(extra: string = randomUUID()): Buffer {
  return Buffer.from(
    `%PDF-1.4\n%${extra}\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n` +
      `3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
  );
}

/** Requests an upload of `bytes` as `token`; expects no errors. @returns the upload id and its form. */
export async function requestUpload(
  t: TestStack,
  token: string,
  input: { clientId: string; bytes: Buffer; filename?: string; contentType?: string; folderId?: string },
) {
  const { bytes, filename = 'letter.pdf', contentType = 'application/pdf', ...where } = input;
  const response = await t.gql(
    REQUEST_UPLOAD,
    { input: { ...where, filename, contentType, byteSize: bytes.length, sha256: sha256Hex(bytes) } },
    token,
  );
  expect(response.errors).toBeUndefined();
  expect(response.data!.requestDocumentUpload.userErrors).toEqual([]);
  return response.data!.requestDocumentUpload.upload!;
}

/** POSTs a form's fields and then `bytes` as the `file` part to its URL, as a browser does. @returns the HTTP status. */
export async function postUploadForm(
  form: { url: string; fields: { name: string; value: string }[] },
  bytes: Buffer,
): Promise<number> {
  const body = new FormData();
  for (const { name, value } of form.fields) body.append(name, value);
  body.append('file', new Blob([new Uint8Array(bytes)]), 'upload.bin');
  const response = await fetch(form.url, { method: 'POST', body });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Uploads `bytes` through the API and the signed form as `token`: request, POST, complete.
 * @returns the document and version ids.
 */
export async function uploadDocument(
  t: TestStack,
  token: string,
  input: { clientId: string; bytes: Buffer; filename?: string; contentType?: string; folderId?: string },
): Promise<{ documentId: string; versionId: string }> {
  const upload = await requestUpload(t, token, input);
  expect(await postUploadForm(upload, input.bytes)).toBeLessThan(300);
  const done = await t.gql(COMPLETE_UPLOAD, { input: { uploadId: upload.uploadId } }, token);
  expect(done.errors).toBeUndefined();
  expect(done.data!.completeDocumentUpload.userErrors).toEqual([]);
  return {
    documentId: done.data!.completeDocumentUpload.document!.id,
    versionId: done.data!.completeDocumentUpload.version!.id,
  };
}

/** Creates a top-level folder of the client as `token`; expects no errors. @returns its id. */
export async function createFolder(t: TestStack, token: string, clientId: string, name: string): Promise<string> {
  const response = await t.gql(CREATE_FOLDER, { input: { clientId, name } }, token);
  expect(response.errors).toBeUndefined();
  expect(response.data!.createFolder.userErrors).toEqual([]);
  return response.data!.createFolder.folder!.id;
}
