import { z } from 'zod';
import { InputError, RemoteError, withCredentialHint } from '../../core/errors.js';
import type { SourceContext } from '../../core/source.js';
import { readSecretEnv, readServiceCredential } from '../env-secret.js';
import { HttpClient } from '../http/http-client.js';
import { DEFAULT_USER_AGENT } from '../source-options.js';
import type { TabularRow } from './delimited-reader.js';

export const HF_DATASETS_SERVER = 'https://datasets-server.huggingface.co';
/** The rows endpoint returns at most 100 rows per request. */
const PAGE = 100;

const splitsSchema = z.object({ splits: z.array(z.object({ config: z.string(), split: z.string() })) });
const rowsSchema = z.object({
  rows: z.array(z.object({ row_idx: z.number(), row: z.record(z.string(), z.unknown()) })),
  num_rows_total: z.number().optional(),
});

export interface HfOptions {
  dataset: string;
  config?: string;
  split?: string;
  apiBase?: string;
  tokenEnv?: string;
  userAgent?: string;
}

interface HfCheckpoint {
  dataset: string;
  config: string;
  split: string;
  offset: number;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new RemoteError(`${where}: unexpected answer (${result.error.issues[0]?.path.join('.') || 'root'}: ${result.error.issues[0]?.message})`);
  return result.data;
}

/**
 * Rows of a Hugging Face dataset through the datasets-server `/rows` API, a page of 100 at a time,
 * with the offset checkpointed after every page. Without a config or split, `/splits` picks the
 * first config and its "train" split.
 */
export async function* readHfRows(opts: HfOptions, ctx: SourceContext): AsyncGenerator<TabularRow> {
  const tokenVar = opts.tokenEnv ?? (process.env.HF_TOKEN ? 'HF_TOKEN' : undefined);
  const token = opts.tokenEnv
    ? readSecretEnv(opts.tokenEnv, 'tokenEnv')
    : tokenVar
      ? readServiceCredential('HF_TOKEN', 'HF_TOKEN', opts.apiBase === undefined)
      : undefined;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const http = new HttpClient({ userAgent: opts.userAgent ?? DEFAULT_USER_AGENT, signal: ctx.signal, log: ctx.log });
  const hint = tokenVar ? `check ${tokenVar} (a Hugging Face token with access to ${opts.dataset})` : 'set HF_TOKEN to a Hugging Face token (gated and private datasets need one)';
  const client = { getJson: (url: string, init: { headers: Record<string, string> }) => http.getJson(url, init).catch((err: unknown) => Promise.reject(withCredentialHint(err, hint))) };
  const base = (opts.apiBase ?? HF_DATASETS_SERVER).replace(/\/$/, '');
  const { config, split } = await resolveSplit(client, base, headers, opts);
  const saved = await ctx.checkpoint.load<HfCheckpoint>();
  let offset = saved && saved.dataset === opts.dataset && saved.config === config && saved.split === split ? saved.offset : 0;
  for (;;) {
    const url = `${base}/rows?${new URLSearchParams({ dataset: opts.dataset, config, split, offset: String(offset), length: String(PAGE) })}`;
    const page = parse(rowsSchema, await client.getJson(url, { headers }), `hf:${opts.dataset} rows at offset ${offset}`);
    for (const r of page.rows) yield { line: r.row_idx, values: r.row };
    offset += page.rows.length;
    ctx.progress({ done: offset, total: page.num_rows_total });
    await ctx.checkpoint.save({ dataset: opts.dataset, config, split, offset } satisfies HfCheckpoint);
    if (page.rows.length < PAGE || (page.num_rows_total !== undefined && offset >= page.num_rows_total)) break;
  }
  await ctx.checkpoint.clear();
}

async function resolveSplit(client: Pick<HttpClient, 'getJson'>, base: string, headers: Record<string, string>, opts: HfOptions): Promise<{ config: string; split: string }> {
  if (opts.config && opts.split) return { config: opts.config, split: opts.split };
  const url = `${base}/splits?${new URLSearchParams({ dataset: opts.dataset })}`;
  const { splits } = parse(splitsSchema, await client.getJson(url, { headers }), `hf:${opts.dataset} splits`);
  const inConfig = splits.filter((s) => opts.config === undefined || s.config === opts.config);
  const pick = inConfig.find((s) => s.split === (opts.split ?? 'train')) ?? (opts.split ? undefined : inConfig[0]);
  if (!pick) {
    const known = splits.map((s) => `${s.config}/${s.split}`).join(', ');
    throw new InputError(`hf:${opts.dataset}: no config/split ${opts.config ?? '*'}/${opts.split ?? 'train'} (known: ${known || 'none'})`);
  }
  return { config: pick.config, split: pick.split };
}
