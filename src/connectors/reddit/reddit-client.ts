import { z } from 'zod';
import { AuthError, RemoteError } from '../../core/errors.js';
import { processSecrets } from '../../core/log.js';
import { HttpClient, type HttpClientOptions } from '../http/http-client.js';

export type RedditGrant = { type: 'client_credentials' } | { type: 'password'; username: string; password: string };

export interface RedditClientOptions extends Omit<HttpClientOptions, 'userAgent'> {
  clientId: string;
  clientSecret: string;
  grant: RedditGrant;
  userAgent: string;
  authBase: string;
  apiBase: string;
}

const tokenSchema = z.object({ access_token: z.string().min(1), token_type: z.string(), expires_in: z.number().optional() });
const thingSchema = z.object({ kind: z.string(), data: z.record(z.string(), z.unknown()) });
const listingSchema = z.object({
  kind: z.literal('Listing'),
  data: z.object({ after: z.string().nullable().optional(), children: z.array(thingSchema) }),
});
export type RedditThing = z.infer<typeof thingSchema>;
export type RedditListing = z.infer<typeof listingSchema>;

/**
 * A small typed Reddit API client: OAuth2 (application-only client credentials or a script app's
 * password grant), bearer requests to the OAuth host, the token renewed when it expires or is
 * refused, and Reddit's X-Ratelimit-Remaining/Reset obeyed by the underlying HttpClient.
 */
export class RedditClient {
  private readonly http: HttpClient;
  private token: { value: string; expiresAt: number } | undefined;

  constructor(private readonly opts: RedditClientOptions) {
    this.http = new HttpClient(opts);
  }

  async listing(path: string, params: Record<string, string>): Promise<RedditListing> {
    const body = await this.get(path, params);
    return this.parse(listingSchema, body, path);
  }

  /** A post's comment tree, flattened depth-first ("more" stubs are not followed). */
  async comments(path: string, limit: number): Promise<RedditThing[]> {
    const body = await this.get(path, { limit: String(limit) });
    const pair = this.parse(z.tuple([listingSchema, listingSchema]), body, path);
    const out: RedditThing[] = [];
    const walk = (things: RedditThing[]) => {
      for (const thing of things) {
        if (thing.kind !== 't1') continue;
        out.push(thing);
        const replies = listingSchema.safeParse(thing.data.replies);
        if (replies.success) walk(replies.data.data.children);
      }
    };
    walk(pair[1].data.children);
    return out;
  }

  private async get(path: string, params: Record<string, string>): Promise<unknown> {
    const url = new URL(path, this.opts.apiBase);
    for (const [k, v] of Object.entries({ ...params, raw_json: '1' })) url.searchParams.set(k, v);
    for (let attempt = 0; ; attempt++) {
      const headers = { authorization: `bearer ${await this.accessToken()}` };
      try {
        return await this.http.getJson(url, { headers });
      } catch (err) {
        if (err instanceof RemoteError && /HTTP 401/.test(err.message) && attempt === 0) {
          this.token = undefined;
          continue;
        }
        throw err;
      }
    }
  }

  private async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt) return this.token.value;
    const { grant } = this.opts;
    const form = new URLSearchParams(grant.type === 'password' ? { grant_type: 'password', username: grant.username, password: grant.password } : { grant_type: 'client_credentials' });
    const basic = Buffer.from(`${this.opts.clientId}:${this.opts.clientSecret}`).toString('base64');
    processSecrets.add(basic);
    let body: unknown;
    try {
      body = await this.http.getJson(new URL('/api/v1/access_token', this.opts.authBase), {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
    } catch (err) {
      if (err instanceof RemoteError && /HTTP 40[13]/.test(err.message)) throw new AuthError(`reddit: the client id or secret was refused (${err.message})`);
      throw err;
    }
    const error = (body as { error?: unknown })?.error;
    if (error !== undefined) throw new AuthError(`reddit: authentication failed (${String(error)})`);
    const token = this.parse(tokenSchema, body, '/api/v1/access_token');
    processSecrets.add(token.access_token);
    // Renew a minute early so a long listing never runs on an expired token.
    this.token = { value: token.access_token, expiresAt: Date.now() + Math.max(60, (token.expires_in ?? 3600) - 60) * 1000 };
    return token.access_token;
  }

  private parse<T>(schema: z.ZodType<T>, body: unknown, path: string): T {
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    throw new RemoteError(`reddit ${path}: unexpected answer (${issue?.path.join('.') || 'root'}: ${issue?.message})`);
  }
}
