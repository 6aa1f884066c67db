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

/** As browsers do (WHATWG Encoding), Latin-1 and ASCII labels mean windows-1252. */
function whatwgLabel(label: string): string {
  const l = label.toLowerCase();
  return /^(iso[-_]?8859[-_]1|latin-?1|l1|us-ascii|ascii|cp819|ibm819)$/.test(l) ? 'windows-1252' : l;
}
