import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable, Transform } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { guardedConnector, internalAddressRefusal } from '../connectors/http/address-guard.js';
import { RemoteError } from '../core/errors.js';
import { detectCharset, type PageHtml } from './charset.js';
import { RequestDeadlines } from './request-deadlines.js';
import { parseRetryAfter } from './retry-policy.js';
import { normalizeUrl } from './url-normalize.js';
import type { PageLoader } from './page-task.js';

export interface FetchSettings {
  userAgent: string;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /** Refuse internal addresses except on these hosts (the crawl's start hosts); absent: no guard. */
  guardExcept?: readonly string[];
}

/** What one URL answered, after following redirects. */
export type FetchOutcome =
  | { kind: 'html'; url: string; status: number; contentType: string; body: Buffer; html: PageHtml; redirects: string[] }
  | { kind: 'not-html'; url: string; status: number; contentType: string; redirects: string[] }
  | { kind: 'http-error'; url: string; status: number; retryAfterMs: number | null; redirects: string[] }
  | { kind: 'redirect-refused'; url: string; redirects: string[] };

const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)\b/i;

/**
 * HTTP for the crawler: undici with keep-alive connections, manual redirects (limit and loop
 * detection), gzip/deflate/br, a body-size cap enforced while streaming, charset decoding.
 * Network faults throw RemoteError (transient ones marked so); HTTP statuses are returned.
 */
export class HttpFetcher implements PageLoader {
  private readonly dispatcher: Agent;
  private readonly deadlines = new RequestDeadlines();

  constructor(
    private readonly settings: FetchSettings,
    connections: number,
  ) {
    const connect = settings.guardExcept ? guardedConnector({ trustedHosts: settings.guardExcept, connectTimeoutMs: settings.timeoutMs }) : undefined;
    this.dispatcher = new Agent({ connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, connect });
  }

  /**
   * Fetches a URL; `mayFollow` decides whether a redirect target is in scope (and allowed by
   * robots.txt), so a redirect never leads the crawl off its site.
   */
  async load(url: string, signal: AbortSignal, mayFollow: (url: string) => Promise<boolean>): Promise<FetchOutcome> {
    const chain = [url];
    let current = url;
    for (;;) {
      const res = await this.send(current, signal);
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
        await res.body.dump();
        const next = normalizeUrl(String(res.headers.location), current);
        if (!next) throw new RemoteError(`redirect to an unusable location "${String(res.headers.location)}"`);
        if (chain.includes(next)) throw new RemoteError(`redirect loop: ${[...chain, next].join(' → ')}`);
        if (chain.length > this.settings.maxRedirects) throw new RemoteError(`more than ${this.settings.maxRedirects} redirects: ${chain.join(' → ')}`);
        chain.push(next);
        if (!(await mayFollow(next))) return { kind: 'redirect-refused', url: next, redirects: chain.slice(1) };
        current = next;
        continue;
      }
      const redirects = chain.slice(1);
      if (res.statusCode >= 400) {
        await res.body.dump();
        return { kind: 'http-error', url: current, status: res.statusCode, retryAfterMs: parseRetryAfter(res.headers['retry-after']), redirects };
      }
      const contentType = headerText(res.headers['content-type']);
      if (contentType && !HTML_TYPES.test(contentType)) {
        await res.body.dump();
        return { kind: 'not-html', url: current, status: res.statusCode, contentType, redirects };
      }
      const body = await this.readBody(res, current);
      if (!contentType && !looksLikeHtml(body)) return { kind: 'not-html', url: current, status: res.statusCode, contentType: 'unknown', redirects };
      const html = { bytes: body, charset: detectCharset(contentType, body) };
      return { kind: 'html', url: current, status: res.statusCode, contentType: contentType || 'text/html', body, html, redirects };
    }
  }

  /** A plain GET of a small text resource (robots.txt, sitemaps); null on 4xx. */
  /** A text resource; a redirect answers no text and says where it points (`location`). */
  async fetchText(url: string, signal: AbortSignal): Promise<{ status: number; text: string | null; location?: string }> {
    const res = await this.send(url, signal);
    if (res.statusCode >= 300) {
      await res.body.dump();
      if (res.statusCode >= 500) throw new RemoteError(`${url}: HTTP ${res.statusCode}`, { transient: true });
      const location = res.statusCode < 400 ? res.headers.location : undefined;
      return { status: res.statusCode, text: null, location: Array.isArray(location) ? location[0] : location };
    }
    const body = await this.readBody(res, url);
    const unzipped = body[0] === 0x1f && body[1] === 0x8b ? await gunzipCapped(body, this.settings.maxBytes, url) : body;
    return { status: res.statusCode, text: unzipped.toString('utf8') };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async send(url: string, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const deadline = this.deadlines.start(signal, this.settings.timeoutMs);
    try {
      const res = await request(url, {
        dispatcher: this.dispatcher,
        method: 'GET',
        signal: deadline.signal,
        headersTimeout: this.settings.timeoutMs,
        bodyTimeout: this.settings.timeoutMs,
        headers: {
          'user-agent': this.settings.userAgent,
          accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5',
          'accept-encoding': 'gzip, deflate, br',
        },
      });
      // The deadline covers the body too: it ends when the body is read, dumped or destroyed.
      res.body.once('close', deadline.release);
      return res;
    } catch (err) {
      deadline.release();
      throw networkError(err, url, signal);
    }
  }

  private async readBody(res: Dispatcher.ResponseData, url: string): Promise<Buffer> {
    const { maxBytes } = this.settings;
    const declared = Number(headerText(res.headers['content-length']) || 0);
    if (declared > maxBytes) {
      res.body.destroy();
      throw new RemoteError(`body of ${declared} bytes is over the ${maxBytes}-byte cap`);
    }
    const decoder = decompressorFor(headerText(res.headers['content-encoding']));
    let source: Readable = res.body;
    if (decoder) {
      res.body.on('error', (err) => decoder.destroy(err));
      source = res.body.pipe(decoder);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of source) {
        total += (chunk as Buffer).length;
        if (total > maxBytes) {
          res.body.destroy();
          decoder?.destroy();
          throw new RemoteError(`body is over the ${maxBytes}-byte cap`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof RemoteError) throw err;
      throw networkError(err, url);
    }
    return Buffer.concat(chunks, total);
  }
}

function decompressorFor(encoding: string): Transform | null {
  const e = encoding.trim().toLowerCase();
  if (e === 'gzip' || e === 'x-gzip') return createGunzip();
  if (e === 'deflate') return createInflate();
  if (e === 'br') return createBrotliDecompress();
  return null;
}

async function gunzipCapped(body: Buffer, maxBytes: number, url: string): Promise<Buffer> {
  const gunzip = createGunzip();
  gunzip.end(body);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of gunzip) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) throw new RemoteError(`${url}: unpacked body is over the ${maxBytes}-byte cap`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

function looksLikeHtml(body: Buffer): boolean {
  return /^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b/is.test(body.subarray(0, 1024).toString('latin1'));
}

const PERMANENT_CODES = new Set(['ENOTFOUND', 'EAI_FAIL', 'ERR_INVALID_URL', 'UND_ERR_INVALID_ARG']);

/** Maps a network failure to a RemoteError saying what went wrong; TLS and DNS failures are not retried. */
function networkError(err: unknown, url: string, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason ?? err;
  const refused = internalAddressRefusal(err);
  if (refused) return new RemoteError(refused.message, { transient: false, cause: err });
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e.code ?? e.cause?.code ?? '';
  const name = e.name === 'TimeoutError' ? 'timed out' : (e.cause?.message ?? e.message ?? String(err));
  const tls = /CERT|TLS|SSL/i.test(code) || /certificate|tls|ssl/i.test(name);
  const message = code && !name.includes(code) ? `${code} ${name}` : name;
  return new RemoteError(`${message} (${new URL(url).host})`, { transient: !tls && !PERMANENT_CODES.has(code), cause: err });
}
