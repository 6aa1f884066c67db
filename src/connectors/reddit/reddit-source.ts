import { z } from 'zod';
import type { RecordInput, SourceContext, SourceKind } from '../../core/source.js';
import { readSecretEnv } from '../env-secret.js';
import { envName, sourceOptionsShape } from '../source-options.js';
import { RedditClient, type RedditGrant, type RedditThing } from './reddit-client.js';

/** The post fields kept on every item, as Reddit names them. */
export const POST_FIELDS = ['id', 'name', 'title', 'selftext', 'author', 'created_utc', 'score', 'num_comments', 'permalink', 'url', 'subreddit'] as const;
const COMMENT_FIELDS = ['id', 'name', 'body', 'author', 'created_utc', 'score', 'parent_id', 'link_id', 'permalink', 'subreddit'] as const;
const PAGE = 100;

export const redditConfigSchema = z
  .object({
    kind: z.literal('reddit').optional(),
    subreddit: z.string().regex(/^[A-Za-z0-9_]{2,21}$/, 'a subreddit name, without r/'),
    listing: z.enum(['new', 'hot', 'top', 'search']).default('new'),
    query: z.string().min(1).optional(),
    /** For top and search: hour, day, week, month, year or all. */
    time: z.enum(['hour', 'day', 'week', 'month', 'year', 'all']).optional(),
    comments: z.boolean().default(false),
    maxComments: z.number().int().positive().max(500).default(100),
    clientIdEnv: envName,
    clientSecretEnv: envName,
    /** A script app's account, for the password grant; without them, application-only auth. */
    usernameEnv: envName.optional(),
    passwordEnv: envName.optional(),
    maxItems: z.number().int().positive().default(1000),
    authBase: z.url({ protocol: /^https?$/ }).default('https://www.reddit.com'),
    apiBase: z.url({ protocol: /^https?$/ }).default('https://oauth.reddit.com'),
    ...sourceOptionsShape,
    userAgent: z.string().min(1).max(500),
  })
  .strict()
  .refine((c) => c.listing !== 'search' || c.query !== undefined, { path: ['query'], message: 'a search listing needs a query' })
  .refine((c) => (c.usernameEnv === undefined) === (c.passwordEnv === undefined), { path: ['passwordEnv'], message: 'usernameEnv and passwordEnv go together' });
export type RedditConfig = z.infer<typeof redditConfigSchema>;

interface RedditCheckpoint {
  after: string;
  done: number;
}

function pick(data: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of names) if (data[n] !== undefined) out[n] = data[n];
  return out;
}

function postRecord(thing: RedditThing, webBase: string): RecordInput {
  const d = thing.data;
  const title = String(d.title ?? '');
  const selftext = String(d.selftext ?? '');
  return {
    key: String(d.name ?? `t3_${String(d.id)}`),
    url: typeof d.permalink === 'string' ? new URL(d.permalink, webBase).toString() : null,
    text: selftext ? `${title}\n\n${selftext}` : title,
    fields: { type: 'post', ...pick(d, POST_FIELDS) },
  };
}

function commentRecord(thing: RedditThing, webBase: string): RecordInput {
  const d = thing.data;
  return {
    key: String(d.name ?? `t1_${String(d.id)}`),
    url: typeof d.permalink === 'string' ? new URL(d.permalink, webBase).toString() : null,
    text: String(d.body ?? ''),
    fields: { type: 'comment', ...pick(d, COMMENT_FIELDS) },
  };
}

function listingRequest(config: RedditConfig, after: string | undefined): { path: string; params: Record<string, string> } {
  const params: Record<string, string> = { limit: String(PAGE) };
  if (after) params.after = after;
  if (config.time) params.t = config.time;
  if (config.listing === 'search') {
    params.q = config.query as string;
    params.restrict_sr = '1';
    params.sort = 'new';
    return { path: `/r/${config.subreddit}/search`, params };
  }
  return { path: `/r/${config.subreddit}/${config.listing}`, params };
}

function clientFor(config: RedditConfig, ctx: SourceContext): RedditClient {
  const grant: RedditGrant =
    config.usernameEnv && config.passwordEnv
      ? { type: 'password', username: readSecretEnv(config.usernameEnv, 'usernameEnv'), password: readSecretEnv(config.passwordEnv, 'passwordEnv') }
      : { type: 'client_credentials' };
  return new RedditClient({
    clientId: readSecretEnv(config.clientIdEnv, 'clientIdEnv'),
    clientSecret: readSecretEnv(config.clientSecretEnv, 'clientSecretEnv'),
    grant,
    userAgent: config.userAgent,
    authBase: config.authBase,
    apiBase: config.apiBase,
    signal: ctx.signal,
    log: ctx.log,
  });
}

/** Posts of a subreddit listing, paged with `after` and checkpointed per page; comments optional. */
async function* collect(config: RedditConfig, ctx: SourceContext): AsyncGenerator<RecordInput> {
  const client = clientFor(config, ctx);
  const webBase = config.authBase;
  const saved = await ctx.checkpoint.load<RedditCheckpoint>();
  let after = saved?.after;
  let done = saved?.done ?? 0;
  while (done < config.maxItems) {
    const { path, params } = listingRequest(config, after);
    const listing = await client.listing(path, params);
    const posts = listing.data.children.filter((t) => t.kind === 't3').slice(0, config.maxItems - done);
    for (const post of posts) {
      yield postRecord(post, webBase);
      if (config.comments && Number(post.data.num_comments ?? 1) > 0) {
        const permalink = String(post.data.permalink ?? `/r/${config.subreddit}/comments/${String(post.data.id)}/`);
        for (const comment of await client.comments(permalink, config.maxComments)) yield commentRecord(comment, webBase);
      }
    }
    done += posts.length;
    ctx.progress({ done, total: config.maxItems });
    after = listing.data.after ?? undefined;
    if (!after || posts.length === 0) break;
    await ctx.checkpoint.save({ after, done } satisfies RedditCheckpoint);
  }
  await ctx.checkpoint.clear();
}

export const redditSource: SourceKind<RedditConfig> = {
  kind: 'reddit',
  description: 'posts (and optionally comments) of a subreddit listing through the Reddit API',
  configSchema: redditConfigSchema,
  run: collect,
};
