import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse, hit: number) => void;

/** A local web site for crawler tests: routes by path, counts the requests each path received. */
export interface TestSite {
  origin: string;
  url(path: string): string;
  hits(path: string): number;
  totalHits(): number;
  /** Resolves once `n` pages (robots.txt aside) have been requested. */
  whenHits(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestSite(routes: Record<string, Route>): Promise<TestSite> {
  const counts = new Map<string, number>();
  let total = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const hit = (counts.get(req.url ?? '/') ?? 0) + 1;
    counts.set(req.url ?? '/', hit);
    if (path !== '/robots.txt') total++;
    for (const w of waiters.filter((w) => total >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
    const route = routes[req.url ?? '/'] ?? routes[path] ?? matchPrefix(routes, path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    route(req, res, hit);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    hits: (path) => counts.get(path) ?? 0,
    totalHits: () => total,
    whenHits: (n) => (total >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function matchPrefix(routes: Record<string, Route>, path: string): Route | undefined {
  const prefix = Object.keys(routes)
    .filter((k) => k.endsWith('*') && path.startsWith(k.slice(0, -1)))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? routes[prefix] : undefined;
}

/** An HTML page answer. */
export function page(body: string, opts: { title?: string; head?: string; status?: number; headers?: Record<string, string> } = {}): Route {
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${opts.title ?? 'Page'}</title>${opts.head ?? ''}</head><body>${body}</body></html>`;
  return (_req, res) => {
    res.writeHead(opts.status ?? 200, { 'content-type': 'text/html; charset=utf-8', ...opts.headers });
    res.end(html);
  };
}

export function links(...paths: string[]): string {
  return paths.map((p) => `<a href="${p}">${p}</a>`).join(' ');
}

export function raw(status: number, headers: Record<string, string>, body: string | Buffer = ''): Route {
  return (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}

export const robots = (text: string): Route => raw(200, { 'content-type': 'text/plain' }, text);
