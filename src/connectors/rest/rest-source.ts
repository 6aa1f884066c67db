import { z } from 'zod';
import { RemoteError } from '../../core/errors.js';
import { processSecrets } from '../../core/log.js';
import type { RecordInput, SourceContext, SourceKind } from '../../core/source.js';
import { readSecretEnv } from '../env-secret.js';
import { allowPrivateNetworks, hostsOf } from '../http/address-guard.js';
import { HttpClient, describeUrl } from '../http/http-client.js';
import { getPath } from '../json-path.js';
import { DEFAULT_USER_AGENT, envName, sourceOptionsShape } from '../source-options.js';
import { nextLink } from './link-header.js';

const paginationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z.object({ type: z.literal('cursor'), param: z.string().min(1), field: z.string().min(1) }).strict(),
  z
    .object({
      type: z.literal('page'),
      param: z.string().min(1).default('page'),
      start: z.number().int().min(0).default(1),
      sizeParam: z.string().min(1).optional(),
      size: z.number().int().positive().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('offset'),
      offsetParam: z.string().min(1).default('offset'),
      limitParam: z.string().min(1).default('limit'),
      limit: z.number().int().positive().default(100),
    })
    .strict(),
  z.object({ type: z.literal('link') }).strict(),
]);

export const restConfigSchema = z
  .object({
    kind: z.literal('rest').optional(),
    url: z.url({ protocol: /^https?$/ }),
    query: z.record(z.string(), z.string()).optional(),
    recordsPath: z.string().optional(),
    key: z.string().min(1),
    text: z.string().min(1).optional(),
    /** The record's own URL, kept as the item's URL. */
    urlField: z.string().min(1).optional(),
    pagination: paginationSchema.default({ type: 'none' }),
    tokenEnv: envName.optional(),
    headerName: z.string().regex(/^[A-Za-z0-9-]+$/).optional(),
    headerEnv: envName.optional(),
    userEnv: envName.optional(),
    passwordEnv: envName.optional(),
    requestsPerSecond: z.number().positive().max(1000).optional(),
    maxPages: z.number().int().positive().optional(),
    ...sourceOptionsShape,
  })
  .strict()
  .refine((c) => (c.headerName === undefined) === (c.headerEnv === undefined), { path: ['headerEnv'], message: 'headerName and headerEnv go together' })
  .refine((c) => (c.userEnv === undefined) === (c.passwordEnv === undefined), { path: ['passwordEnv'], message: 'userEnv and passwordEnv go together' });
export type RestConfig = z.infer<typeof restConfigSchema>;

interface RestCheckpoint {
  /** The next page to fetch, and how many pages came before it. */
  url: string;
  page: number;
}

function authHeaders(config: RestConfig): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (config.tokenEnv) headers.authorization = `Bearer ${readSecretEnv(config.tokenEnv, 'tokenEnv')}`;
  if (config.headerName && config.headerEnv) headers[config.headerName.toLowerCase()] = readSecretEnv(config.headerEnv, 'headerEnv');
  if (config.userEnv && config.passwordEnv) {
    const basic = Buffer.from(`${readSecretEnv(config.userEnv, 'userEnv')}:${readSecretEnv(config.passwordEnv, 'passwordEnv')}`).toString('base64');
    processSecrets.add(basic);
    headers.authorization = `Basic ${basic}`;
  }
  return headers;
}

function firstUrl(config: RestConfig): string {
  const url = new URL(config.url);
  for (const [k, v] of Object.entries(config.query ?? {})) url.searchParams.set(k, v);
  const p = config.pagination;
  if (p.type === 'page') {
    url.searchParams.set(p.param, String(p.start));
    if (p.sizeParam && p.size) url.searchParams.set(p.sizeParam, String(p.size));
  } else if (p.type === 'offset') {
    url.searchParams.set(p.offsetParam, '0');
    url.searchParams.set(p.limitParam, String(p.limit));
  }
  return url.toString();
}

/** The next page's URL, or undefined on the last page. */
function nextUrl(config: RestConfig, current: string, body: unknown, records: unknown[], link: string | null): string | undefined {
  const p = config.pagination;
  const url = new URL(current);
  switch (p.type) {
    case 'none':
      return undefined;
    case 'link':
      return nextLink(link, current);
    case 'cursor': {
      const cursor = getPath(body, p.field);
      if (cursor === null || cursor === undefined || cursor === '' || cursor === false) return undefined;
      url.searchParams.set(p.param, String(cursor));
      return url.toString();
    }
    case 'page': {
      if (records.length === 0 || (p.size !== undefined && records.length < p.size)) return undefined;
      url.searchParams.set(p.param, String(Number(url.searchParams.get(p.param) ?? p.start) + 1));
      return url.toString();
    }
    case 'offset': {
      if (records.length < p.limit) return undefined;
      url.searchParams.set(p.offsetParam, String(Number(url.searchParams.get(p.offsetParam) ?? 0) + records.length));
      return url.toString();
    }
  }
}

function toRecord(raw: unknown, config: RestConfig, where: string): RecordInput {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new RemoteError(`${where}: a record is not a JSON object`);
  const record = raw as Record<string, unknown>;
  const key = getPath(record, config.key);
  if (key === null || key === undefined || key === '') throw new RemoteError(`${where}: a record has no "${config.key}"`);
  const text = config.text === undefined ? undefined : getPath(record, config.text);
  const url = config.urlField === undefined ? undefined : getPath(record, config.urlField);
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (k !== config.text) fields[k] = v;
  return {
    key: String(key),
    text: text === null || text === undefined ? null : typeof text === 'string' ? text : JSON.stringify(text),
    url: typeof url === 'string' ? url : null,
    fields,
  };
}

/**
 * Pages through a JSON API. The position is checkpointed after every page together with the
 * page's items, so a killed run resumes at the page it was on; a finished run starts over next time.
 */
async function* fetchPages(config: RestConfig, ctx: SourceContext): AsyncGenerator<RecordInput> {
  const headers = authHeaders(config);
  const client = new HttpClient({
    userAgent: config.userAgent ?? DEFAULT_USER_AGENT,
    requestsPerSecond: config.requestsPerSecond,
    signal: ctx.signal,
    log: ctx.log,
    // Next-page links and redirects come from the API's answers: only the configured host may be internal.
    guardExcept: allowPrivateNetworks() ? undefined : hostsOf([config.url]),
  });
  const saved = await ctx.checkpoint.load<RestCheckpoint>();
  let url: string | undefined = saved?.url ?? firstUrl(config);
  let page = saved?.page ?? 0;
  let done = 0;
  while (url !== undefined) {
    if (config.maxPages !== undefined && page >= config.maxPages) break;
    const where = `${describeUrl(url)} (page ${page + 1})`;
    const response = await client.request(url, { headers });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new RemoteError(`${where}: the answer is not valid JSON (${(err as Error).message})`);
    }
    const records = getPath(body, config.recordsPath);
    if (!Array.isArray(records)) throw new RemoteError(`${where}: recordsPath "${config.recordsPath ?? ''}" is not an array in the answer`);
    for (const raw of records) yield toRecord(raw, config, where);
    done += records.length;
    page++;
    url = nextUrl(config, url, body, records, response.headers.get('link'));
    ctx.progress({ done, message: `page ${page}` });
    if (url !== undefined) await ctx.checkpoint.save({ url, page } satisfies RestCheckpoint);
  }
  await ctx.checkpoint.clear();
}

export const restSource: SourceKind<RestConfig> = {
  kind: 'rest',
  description: 'records of a paginated JSON API (cursor, page, offset or Link pagination)',
  configSchema: restConfigSchema,
  run: fetchPages,
};
