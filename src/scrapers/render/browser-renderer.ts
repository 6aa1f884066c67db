import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { errorMessage, RemoteError } from '../../core/errors.js';
import type { FetchOutcome } from '../http-fetcher.js';
import type { PageLoader } from '../page-task.js';
import { parseRetryAfter } from '../retry-policy.js';
import { normalizeUrl } from '../url-normalize.js';

export interface RenderSettings {
  userAgent: string;
  timeoutMs: number;
  maxBytes: number;
  /** Pages open at once. */
  pages: number;
  /** A browser context serves this many pages, then is replaced, so memory stays capped. */
  pagesPerContext: number;
  waitFor?: string;
  executablePath?: string;
}

export const chromiumPath = (): string => process.env.TROVE_CHROMIUM_PATH || '/usr/bin/chromium';

const BLOCKED_RESOURCES = new Set(['image', 'media', 'font']);
const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)\b/i;

interface ContextSlot {
  context: BrowserContext;
  served: number;
  open: number;
}

/**
 * Renders pages in one headless Chromium (playwright-core, the system browser): a bounded number
 * of open pages, browser contexts recycled after a number of pages, images and fonts not loaded,
 * an optional selector to wait for. Answers like the HTTP fetcher, so the crawl loop is the same.
 */
export class BrowserRenderer implements PageLoader {
  private browser?: Promise<Browser>;
  private current?: ContextSlot;
  private open = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly settings: RenderSettings) {}

  async load(url: string, signal: AbortSignal, mayFollow: (url: string) => Promise<boolean>): Promise<FetchOutcome> {
    await this.takeTurn(signal);
    const slot = await this.contextSlot();
    let page: Page | undefined;
    const onAbort = () => void page?.close().catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      page = await slot.context.newPage();
      return await this.render(page, url, mayFollow);
    } catch (err) {
      if (signal.aborted) throw signal.reason ?? err;
      if (err instanceof RemoteError) throw err;
      const message = errorMessage(err).split('\n')[0];
      throw new RemoteError(`render failed: ${message}`, { transient: !/ERR_CERT|SSL/i.test(message), cause: err });
    } finally {
      signal.removeEventListener('abort', onAbort);
      await page?.close().catch(() => undefined);
      slot.open--;
      await this.retireIfSpent(slot);
      this.open--;
      this.waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    if (!this.browser) return;
    const browser = await this.browser;
    await browser.close();
  }

  private async render(page: Page, url: string, mayFollow: (url: string) => Promise<boolean>): Promise<FetchOutcome> {
    const { timeoutMs, maxBytes, waitFor } = this.settings;
    await page.route('**/*', (route) => (BLOCKED_RESOURCES.has(route.request().resourceType()) ? route.abort() : route.continue()));
    const response = await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
    if (!response) throw new RemoteError(`no response for ${url}`, { transient: true });
    const finalUrl = normalizeUrl(response.url()) ?? url;
    const redirects = finalUrl === url ? [] : [finalUrl];
    if (redirects.length && !(await mayFollow(finalUrl))) return { kind: 'redirect-refused', url: finalUrl, redirects };
    const status = response.status();
    const headers = response.headers();
    if (status >= 400) return { kind: 'http-error', url: finalUrl, status, retryAfterMs: parseRetryAfter(headers['retry-after']), redirects };
    const contentType = headers['content-type'] ?? 'text/html';
    if (!HTML_TYPES.test(contentType)) return { kind: 'not-html', url: finalUrl, status, contentType, redirects };
    if (waitFor) await page.waitForSelector(waitFor, { timeout: timeoutMs });
    const html = await page.content();
    const body = Buffer.from(html);
    if (body.length > maxBytes) throw new RemoteError(`rendered page is over the ${maxBytes}-byte cap`);
    return { kind: 'html', url: finalUrl, status, contentType, body, html, redirects };
  }

  private async takeTurn(signal: AbortSignal): Promise<void> {
    while (this.open >= this.settings.pages) {
      signal.throwIfAborted();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.open++;
  }

  private async contextSlot(): Promise<ContextSlot> {
    if (!this.current || this.current.served >= this.settings.pagesPerContext) {
      const browser = await this.launch();
      this.current = { context: await browser.newContext({ userAgent: this.settings.userAgent, javaScriptEnabled: true }), served: 0, open: 0 };
    }
    const slot = this.current;
    slot.served++;
    slot.open++;
    return slot;
  }

  private async retireIfSpent(slot: ContextSlot): Promise<void> {
    if (slot.open === 0 && slot.served >= this.settings.pagesPerContext && slot !== this.current) await slot.context.close();
    else if (slot.open === 0 && slot.served >= this.settings.pagesPerContext) {
      this.current = undefined;
      await slot.context.close();
    }
  }

  private launch(): Promise<Browser> {
    this.browser ??= chromium
      .launch({
        executablePath: this.settings.executablePath ?? chromiumPath(),
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
      })
      .catch((err: unknown) => {
        throw new RemoteError(`cannot start Chromium at ${this.settings.executablePath ?? chromiumPath()}: ${errorMessage(err).split('\n')[0]}`);
      });
    return this.browser;
  }
}
