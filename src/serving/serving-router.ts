import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/log.js';
import type { ModelCatalog } from './model-catalog.js';
import { OpenInferenceRoutes } from './open-inference-routes.js';
import { apiKeyCheck, errorReply, jsonReply, readJsonBody, RequestContext, type Reply } from './serving-http.js';
import type { ServingMetrics } from './serving-metrics.js';
import { TfServingRoutes } from './tf-serving-routes.js';

export interface ServingRouterOptions {
  catalog: ModelCatalog;
  metrics: ServingMetrics;
  log: Logger;
  bodyLimitBytes: number;
  /** When set, the prediction routes (every POST) ask for it; status, metadata, health and metrics stay open. */
  apiKey?: string;
  serverVersion: string;
  /** Headers every answer carries (the model server's security headers). */
  baseHeaders?: Record<string, string>;
  /** True while the server shuts down: answers then close their connection. */
  closing?: () => boolean;
}

/**
 * Answers one request. `parsedBody` is the body when a framework in front (the hub's express)
 * has parsed it already; otherwise a POST route reads it from the request.
 */
export type ServingHandler = (req: IncomingMessage, res: ServerResponse, parsedBody?: unknown) => void;

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

type Params = string[];
type Route = {
  method: 'GET' | 'POST';
  /** Path segments; `:` matches any one segment and passes it to the handler. */
  pattern: string[];
  answer: (ctx: RequestContext, params: Params, body: unknown) => Reply | Promise<Reply>;
};

/**
 * Both protocols, the Prometheus metrics and protocol-shaped errors, over one model catalog, on
 * plain `node:http`: a fixed table of routes matched segment by segment, the body read once as
 * bytes and parsed once, the predictions written as JSON text directly. Every request gets an id
 * (the caller's X-Request-Id when it sends a sane one), echoed, one access log line and its metrics.
 */
export function servingHandler(opts: ServingRouterOptions): ServingHandler {
  const routes = routeTable(opts);
  const checkKey = apiKeyCheck(opts.apiKey);
  const answer = async (req: IncomingMessage, ctx: RequestContext, path: string, parsedBody: unknown): Promise<Reply> => {
    const segments = path.split('/').slice(1);
    const method = req.method ?? 'GET';
    if (method === 'POST' && (segments[0] === 'v1' || segments[0] === 'v2') && segments[1] === 'models' && segments.length > 2) checkKey(req);
    const found = match(routes, method, segments);
    if (!found) {
      ctx.tag('unknown');
      return jsonReply({ error: `no route ${method} ${path}`, code: 'not_found' }, 404);
    }
    const body = found.route.method === 'POST' ? (parsedBody ?? (await readJsonBody(req, opts.bodyLimitBytes))) : undefined;
    return found.route.answer(ctx, found.params, body);
  };
  const baseHeaders = Object.entries(opts.baseHeaders ?? {}).flat();
  const respond = async (req: IncomingMessage, res: ServerResponse, parsedBody: unknown): Promise<void> => {
    const ctx = new RequestContext(req);
    const path = pathOf(req.url ?? '/');
    let reply: Reply;
    try {
      reply = await answer(req, ctx, path, parsedBody);
    } catch (err) {
      reply = errorReply(err, ctx, path, opts.log);
    }
    try {
      send(res, ctx, reply, baseHeaders, opts);
      observe(req, ctx, path, reply.status, opts);
    } catch (err) {
      opts.log.error('answering a request failed', { requestId: ctx.requestId, path, error: String(err) });
    }
  };
  return (req, res, parsedBody) => void respond(req, res, parsedBody);
}

function routeTable(opts: ServingRouterOptions): Route[] {
  const tf = new TfServingRoutes(opts.catalog);
  const v2 = new OpenInferenceRoutes(opts.catalog, opts.serverVersion);
  const get = (path: string, answer: Route['answer']): Route => ({ method: 'GET', pattern: path.split('/').slice(1), answer });
  const post = (path: string, answer: Route['answer']): Route => ({ method: 'POST', pattern: path.split('/').slice(1), answer });
  return [
    post('/v1/models/:', (ctx, [target], body) => tf.predict(ctx, body, target)),
    post('/v1/models/:/versions/:', (ctx, [model, target], body) => tf.predict(ctx, body, target, model)),
    post('/v2/models/:/infer', (ctx, [model], body) => v2.infer(ctx, body, model)),
    post('/v2/models/:/versions/:/infer', (ctx, [model, version], body) => v2.infer(ctx, body, model, version)),
    get('/metrics', async (ctx) => {
      ctx.tag('metrics');
      const { contentType, body } = await opts.metrics.render();
      return { status: 200, body, contentType };
    }),
    get('/v1/models', (ctx) => tf.list(ctx)),
    get('/v1/models/:', (ctx, [model]) => tf.status(ctx, model)),
    get('/v1/models/:/versions/:', (ctx, [model, version]) => tf.status(ctx, model, version)),
    get('/v1/models/:/metadata', (ctx, [model]) => tf.metadata(ctx, model)),
    get('/v1/models/:/versions/:/metadata', (ctx, [model, version]) => tf.metadata(ctx, model, version)),
    get('/v2', (ctx) => v2.server(ctx)),
    get('/v2/health/live', (ctx) => v2.live(ctx)),
    get('/v2/health/ready', (ctx) => v2.ready(ctx)),
    get('/v2/models/:', (ctx, [model]) => v2.modelMetadata(ctx, model)),
    get('/v2/models/:/versions/:', (ctx, [model, version]) => v2.modelMetadata(ctx, model, version)),
    get('/v2/models/:/ready', (ctx, [model]) => v2.modelReady(ctx, model)),
    get('/v2/models/:/versions/:/ready', (ctx, [model, version]) => v2.modelReady(ctx, model, version)),
  ];
}

/** The first route of the method whose pattern fits the segments, with the decoded `:` segments; HEAD is answered as GET. */
function match(routes: Route[], method: string, segments: string[]): { route: Route; params: Params } | undefined {
  const wanted = method === 'HEAD' ? 'GET' : method;
  for (const route of routes) {
    if (route.method !== wanted || route.pattern.length !== segments.length) continue;
    const params = matchSegments(route.pattern, segments);
    if (params) return { route, params };
  }
  return undefined;
}

function matchSegments(pattern: string[], segments: string[]): Params | undefined {
  const params: Params = [];
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== ':') {
      if (pattern[i] !== segments[i]) return undefined;
      continue;
    }
    if (segments[i] === '') return undefined;
    const decoded = decodeSegment(segments[i]);
    if (decoded === undefined) return undefined;
    params.push(decoded);
  }
  return params;
}

/** A percent-encoded path segment, or undefined when its encoding is broken (no route matches it). */
function decodeSegment(segment: string): string | undefined {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch (err) {
    if (err instanceof URIError) return undefined;
    throw err;
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/**
 * One writeHead with a flat header list (the base headers listed once per server) and one end.
 * The length is told up front, so the answer leaves in one write, not as chunks.
 */
function send(res: ServerResponse, ctx: RequestContext, reply: Reply, baseHeaders: string[], opts: ServingRouterOptions): void {
  const headers = [
    ...baseHeaders,
    'Content-Type',
    reply.contentType ?? JSON_CONTENT_TYPE,
    'Content-Length',
    String(Buffer.byteLength(reply.body)),
    'X-Request-Id',
    ctx.requestId,
  ];
  if (reply.headers) for (const [name, value] of Object.entries(reply.headers)) headers.push(name, value);
  if (opts.closing?.()) headers.push('Connection', 'close');
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

/** The request metrics and one access log line. Names that matched no model stay out of the labels, so random URLs cannot grow the metrics. */
function observe(req: IncomingMessage, ctx: RequestContext, path: string, status: number, opts: ServingRouterOptions): void {
  const seconds = ctx.seconds;
  const model = status !== 404 ? ctx.model : '';
  opts.metrics.observeRequest(ctx.route, model, status, seconds);
  const fields = { requestId: ctx.requestId, method: req.method, path, status, ms: Math.round(seconds * 10000) / 10, route: ctx.route, model: model || undefined };
  if (status >= 500) opts.log.warn('request', fields);
  else opts.log.info('request', fields);
}
