import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { RemoteError } from '../../core/errors.js';

/**
 * A feed's bytes as text, in the encoding the feed says it has: a byte-order mark, else the HTTP
 * Content-Type charset, else UTF-16/32 recognised by the bytes of `<?xml`, else the XML
 * declaration's `encoding`, else UTF-8. Bytes that are not valid UTF-8 in a feed that names no
 * other encoding are refused, never read as U+FFFD.
 */
export function decodeFeed(body: Buffer, contentType: string | undefined, where: string): string {
  const { encoding, skip } = feedEncoding(body, contentType);
  if (!iconv.encodingExists(encoding)) throw new RemoteError(`${where}: the feed declares the unknown encoding "${encoding}"`);
  const bytes = body.subarray(skip);
  if (!/^utf-?8$/i.test(encoding)) return iconv.decode(bytes, latin1AsWindows1252(encoding));
  const text = bytes.toString('utf8');
  if (isUtf8(bytes)) return text;
  const line = text.slice(0, text.indexOf('\uFFFD')).split('\n').length;
  throw new RemoteError(`${where}: line ${line}: bytes that are not UTF-8, and the feed names no other encoding`);
}

function feedEncoding(body: Buffer, contentType: string | undefined): { encoding: string; skip: number } {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return { encoding: 'utf-8', skip: 3 };
  if (body[0] === 0x00 && body[1] === 0x00 && body[2] === 0xfe && body[3] === 0xff) return { encoding: 'utf-32be', skip: 4 };
  if (body[0] === 0xff && body[1] === 0xfe && body[2] === 0x00 && body[3] === 0x00) return { encoding: 'utf-32le', skip: 4 };
  if (body[0] === 0xfe && body[1] === 0xff) return { encoding: 'utf-16be', skip: 2 };
  if (body[0] === 0xff && body[1] === 0xfe) return { encoding: 'utf-16le', skip: 2 };
  const fromHeader = contentType ? /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType)?.[1] : undefined;
  if (fromHeader) return { encoding: fromHeader, skip: 0 };
  const sniffed = sniffWide(body);
  if (sniffed) return { encoding: sniffed, skip: 0 };
  const declared = /^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([\w.:-]+)["']/.exec(body.subarray(0, 1024).toString('latin1'))?.[1];
  return { encoding: declared ?? 'utf-8', skip: 0 };
}

/** UTF-16 and UTF-32 without a byte-order mark, known by how `<?` is laid out in bytes. */
function sniffWide(body: Buffer): string | undefined {
  const head = body.subarray(0, 4).toString('hex');
  if (head === '0000003c') return 'utf-32be';
  if (head === '3c000000') return 'utf-32le';
  if (head === '003c003f') return 'utf-16be';
  if (head === '3c003f00') return 'utf-16le';
  return undefined;
}

/** As browsers and feed readers do, Latin-1 and ASCII labels mean windows-1252. */
function latin1AsWindows1252(encoding: string): string {
  return /^(iso[-_]?8859[-_]1|latin-?1|l1|us-ascii|ascii|cp819|ibm819)$/i.test(encoding) ? 'windows-1252' : encoding;
}
