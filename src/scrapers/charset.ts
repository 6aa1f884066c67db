import iconv from 'iconv-lite';

/**
 * The character set of a page: the Content-Type header's charset, else a byte-order mark, else a
 * `<meta charset>` or `<meta http-equiv="content-type">` in the first 2 KB, else UTF-8.
 */
export function detectCharset(contentType: string | undefined, body: Buffer): string {
  const fromHeader = contentType ? /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType)?.[1] : undefined;
  if (fromHeader && iconv.encodingExists(fromHeader)) return whatwgLabel(fromHeader);
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  const head = body.subarray(0, 2048).toString('latin1');
  const meta = /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head)?.[1];
  if (meta && iconv.encodingExists(meta)) return whatwgLabel(meta);
  return 'utf-8';
}

/** Node's TextDecoder reads windows-1252 as Latin-1 (0x80–0x9F wrong), so iconv-lite decodes. */
export function decodeBody(body: Buffer, charset: string): string {
  if (charset === 'utf-8' || charset === 'utf8') return body.toString('utf8');
  return iconv.decode(body, charset);
}

/**
 * A page's HTML for the analyzer: text already (a rendered page), or the bytes as fetched with their
 * charset, so the decoding happens on the analyzer's thread and the text never exists on the crawl's.
 */
export type PageHtml = string | { bytes: Uint8Array; charset: string };

export function htmlText(page: PageHtml): string {
  if (typeof page === 'string') return page;
  const { bytes, charset } = page;
  // A Buffer sent to another thread arrives as a plain Uint8Array: view its bytes as a Buffer again.
  return decodeBody(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), charset);
}

/** As browsers do (WHATWG Encoding), Latin-1 and ASCII labels mean windows-1252. */
function whatwgLabel(label: string): string {
  const l = label.toLowerCase();
  return /^(iso[-_]?8859[-_]1|latin-?1|l1|us-ascii|ascii|cp819|ibm819)$/.test(l) ? 'windows-1252' : l;
}
