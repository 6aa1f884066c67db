import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch as undiciFetch } from 'undici';
import { RemoteError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { silentLogger } from '../../core/log.js';
import { guardedConnector, internalAddressRefusal } from './address-guard.js';


export interface HttpClientOptions {
  userAgent: string;
  /** A cap on the request rate; requests are spaced evenly. */
  requestsPerSecond?: number;
  /** Attempts after the first for 408, 429, 5xx and network errors. */
  retries?: number;
  retryBaseMs?: number;
  /** A server asking to wait longer than this fails the request instead. */
  maxWaitMs?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  log?: Logger;
  /**
   * Refuse internal addresses (see address-guard.ts) on every host but these, redirects included:
   * for clients that follow URLs third-party content supplies.
   */
  guardExcept?: readonly string[];
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Names a URL in messages without its query string or credentials, where API keys may sit. */
export function describeUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * How long a response asks us to wait: Retry-After (seconds or an HTTP date) or X-RateLimit-Reset
 * (seconds from now, or a Unix time as GitHub and others send it).
 */
export function requestedWaitMs(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const secs = Number(retryAfter);
    if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  const reset = headers.get('x-ratelimit-reset');
  if (reset) {
    const value = Number(reset);
    if (Number.isFinite(value)) return Math.max(0, value > 1e9 ? value * 1000 - now : value * 1000);
  }
  return undefined;
}

/**
 * fetch for collectors: a User-Agent on every request, a rate cap, retries with exponential
 * backoff on transient failures honouring what the server asks, and rate-limit headers obeyed
 * before the next request is sent.
 */
export class HttpClient {
  private nextSlot = 0;
  private readonly log: Logger;
  private readonly dispatcher: Agent | undefined;

  constructor(private readonly opts: HttpClientOptions) {
    this.log = opts.log ?? silentLogger;
    this.dispatcher = opts.guardExcept ? new Agent({ connect: guardedConnector({ trustedHosts: opts.guardExcept }) }) : undefined;
  }

  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const method = init.method ?? 'GET';
    const retries = this.opts.retries ?? 4;
    const where = `${method} ${describeUrl(url)}`;
    for (let attempt = 0; ; attempt++) {
      await this.waitForSlot();
      let response: Response;
      try {
        const request = { method, headers: { 'user-agent': this.opts.userAgent, ...init.headers }, body: init.body, redirect: 'follow' as const, signal: this.requestSignal() };
        // undici's own fetch goes with its own dispatcher (the guard); Node's bundled one otherwise.
        response = this.dispatcher ? ((await undiciFetch(url, { ...request, dispatcher: this.dispatcher })) as unknown as Response) : await fetch(url, request);
      } catch (err) {
        if (this.opts.signal?.aborted) throw this.opts.signal.reason;
        const refused = internalAddressRefusal(err);
        if (refused) throw new RemoteError(`${where}: ${refused.message}`, { cause: err });
        const reason = networkReason(err);
        if (attempt >= retries) throw new RemoteError(`${where}: ${reason}`, { transient: true, cause: err });
        await this.backoff(attempt, undefined, where, reason);
        continue;
      }
      this.obeyRateLimit(response.headers);
      if (response.ok) return response;
      if (!RETRYABLE.has(response.status) || attempt >= retries) {
        await response.body?.cancel();
        throw new RemoteError(`${where}: HTTP ${response.status} ${response.statusText}`.trim(), {
          transient: RETRYABLE.has(response.status),
          status: response.status,
        });
      }
      await response.body?.cancel();
      await this.backoff(attempt, requestedWaitMs(response.headers), where, `HTTP ${response.status}`);
    }
  }

  /** GETs a JSON document; a body that is not JSON fails with the URL and the parser's reason. */
  async getJson(url: string | URL, init: RequestInit = {}): Promise<unknown> {
    const response = await this.request(url, init);
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new RemoteError(`${init.method ?? 'GET'} ${describeUrl(url)}: the answer is not valid JSON (${(err as Error).message})`);
    }
  }

  private requestSignal(): AbortSignal {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 30_000);
    return this.opts.signal ? AbortSignal.any([this.opts.signal, timeout]) : timeout;
  }

  private async waitForSlot(): Promise<void> {
    const now = Date.now();
    const wait = this.nextSlot - now;
    const spacing = this.opts.requestsPerSecond ? 1000 / this.opts.requestsPerSecond : 0;
    this.nextSlot = Math.max(now, this.nextSlot) + spacing;
    if (wait > 0) await sleep(wait, undefined, { signal: this.opts.signal });
  }

  /** A server that says no requests are left until a reset gets none until then. */
  private obeyRateLimit(headers: Headers): void {
    const remaining = Number(headers.get('x-ratelimit-remaining') ?? NaN);
    if (!(remaining < 1)) return;
    const wait = requestedWaitMs(headers);
    if (wait === undefined) return;
    this.nextSlot = Math.max(this.nextSlot, Date.now() + Math.min(wait, this.opts.maxWaitMs ?? 120_000));
  }

  private async backoff(attempt: number, requested: number | undefined, where: string, reason: string): Promise<void> {
    const maxWait = this.opts.maxWaitMs ?? 120_000;
    if (requested !== undefined && requested > maxWait) {
      throw new RemoteError(`${where}: ${reason}, and the server asks to wait ${Math.ceil(requested / 1000)} s`, { transient: true });
    }
    const base = this.opts.retryBaseMs ?? 500;
    const wait = requested ?? Math.min(maxWait, base * 2 ** attempt * (1 + Math.random() / 2));
    this.log.warn('retrying request', { request: where, reason, waitMs: Math.round(wait) });
    await sleep(wait, undefined, { signal: this.opts.signal });
  }
}

function networkReason(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return `network error (${cause.code})`;
  return `network error (${err instanceof Error ? err.message : String(err)})`;
}
