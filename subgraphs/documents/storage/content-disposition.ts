/**
 * `Content-Disposition: attachment` for `filename` (RFC 6266 §4.3): an ASCII fallback in `filename`
 * and the exact name, percent-encoded UTF-8, in `filename*` (RFC 8187).
 */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
