import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { RemoteError } from '../../core/errors.js';
import { startModuleWorker } from '../../core/module-worker.js';
import { htmlText, type PageHtml } from '../charset.js';
import type { AnalyzeResponse, PageAnalysis } from './analyzer-protocol.js';
import type { CompiledRecipe } from './recipe.js';

/** Parses a fetched page and extracts its text, fields and links. */
export interface PageAnalyzer {
  analyze(html: PageHtml, url: string): Promise<PageAnalysis>;
  close(): Promise<void>;
}

/**
 * Analyzer threads a crawl starts by default: every core but the one the crawl loop (HTTP, the
 * store, the frontier) runs on, at least one, at most four.
 */
export function defaultAnalyzerThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

/** Parsing and extraction on other threads (`threads` > 0) or on the crawl's own (0). */
export function createPageAnalyzer(recipeInput: unknown, recipe: CompiledRecipe | undefined, threads: number): PageAnalyzer {
  return threads > 0 ? new ThreadedAnalyzer(recipeInput, threads) : inlineAnalyzer(recipe);
}

/** Loads the HTML parser only here: with analyzer threads, the crawl thread never does. */
function inlineAnalyzer(recipe: CompiledRecipe | undefined): PageAnalyzer {
  const extractor = import('./page-extractor.js');
  return {
    analyze: async (html, url) => {
      const { analyzePage, parseDocument } = await extractor;
      return analyzePage(parseDocument(htmlText(html)), url, recipe);
    },
    close: async () => undefined,
  };
}

/**
 * A page's DOM lives only while it is analyzed, so a small young generation suffices; V8's default
 * (two 16 MB semi-spaces per thread) would add memory for nothing. Below 8 MB, though, nearly every
 * page's half-built DOM is copied by a scavenge: 4 MB cost ~5% more CPU per crawled page.
 */
const ANALYZER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 128 };

interface Pending {
  resolve: (analysis: PageAnalysis) => void;
  reject: (err: Error) => void;
  thread: Thread;
}

interface Thread {
  worker: Worker;
  inFlight: number;
}

/**
 * Parsing HTML is most of a crawl's CPU: on threads of their own, pages are parsed while the crawl
 * loop fetches and stores, so a crawl uses more than one core. Each page goes to the least busy
 * thread. A thread that dies (a page whose DOM outgrows the thread's heap limit, say) fails only
 * the pages it held, naming the cause, and is replaced.
 */
class ThreadedAnalyzer implements PageAnalyzer {
  private readonly threads: Thread[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly recipe: unknown,
    count: number,
  ) {
    for (let i = 0; i < count; i++) this.threads.push(this.spawn());
  }

  analyze(html: PageHtml, url: string): Promise<PageAnalysis> {
    if (this.closed) return Promise.reject(new RemoteError('page analyzer closed'));
    const thread = this.threads.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const id = this.nextId++;
    thread.inFlight++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, thread });
      thread.worker.postMessage({ id, html, url });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private spawn(): Thread {
    const worker = startModuleWorker(new URL('./analyzer-worker.ts', import.meta.url), { recipe: this.recipe }, ANALYZER_LIMITS);
    const thread: Thread = { worker, inFlight: 0 };
    worker.unref();
    worker.on('message', (reply: AnalyzeResponse) => this.settle(reply));
    worker.on('error', (err) => this.lose(thread, `page analyzer thread failed: ${err.message}`));
    worker.on('exit', (code) => this.lose(thread, `page analyzer thread exited with code ${code}`));
    return thread;
  }

  private settle(reply: AnalyzeResponse): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    pending.thread.inFlight--;
    if (reply.ok) pending.resolve(reply.analysis);
    else pending.reject(new Error(reply.error));
  }

  private lose(thread: Thread, reason: string): void {
    const index = this.threads.indexOf(thread);
    if (index === -1) return;
    for (const [id, pending] of this.pending) {
      if (pending.thread !== thread) continue;
      this.pending.delete(id);
      pending.reject(new RemoteError(reason));
    }
    if (this.closed) return;
    this.threads[index] = this.spawn();
  }
}
