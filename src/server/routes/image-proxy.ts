import dns from 'node:dns';
import net from 'node:net';
import { Router, type Response } from 'express';
import { Agent, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { isInternalAddress } from '../../connectors/http/address-guard.js';
import { errorMessage, NotFoundError, RemoteError, UnprocessableError } from '../../core/errors.js';
import { getItem, type Item } from '../../core/items.js';
import type { Hub } from '../../hub.js';
import { maySeeItem } from '../access.js';
import { currentAuth } from '../auth.js';
import { parseInput } from '../validate.js';

/**
 * Image items are shown through the hub, never straight from their site: the page's CSP keeps
 * `img-src 'self'`, the annotator's browser never talks to a scraped host, and only real raster
 * images come back (no SVG, whose scripts would run if the URL were opened on its own).
 */
export const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 3;
const IMAGE_FIELDS = ['image', 'image_url', 'imageUrl'];
const IMAGE_PATH = /\.(?:png|jpe?g|gif|webp|avif|bmp)$/i;

function httpUrl(value: unknown): URL | null {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** An item's image: an image field (image, image_url, imageUrl) or else its own URL when that names an image file. */
export function imageUrlOf(item: Item): URL | null {
  for (const field of IMAGE_FIELDS) {
    const url = httpUrl(item.fields[field]);
    if (url) return url;
  }
  const own = httpUrl(item.url);
  return own && IMAGE_PATH.test(own.pathname) ? own : null;
}

/**
 * A dispatcher whose DNS answers are checked at connect time, so a name that resolves (or
 * re-resolves) to an internal address is refused, not only literal IPs in the URL.
 */
function guardedAgent(): Agent {
  const lookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const blocked = addresses.find((a) => isInternalAddress(a.address));
      if (blocked) return callback(new Error(`${hostname} resolves to an internal address`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
  return new Agent({ connect: { lookup, timeout: TIMEOUT_MS }, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
}

interface ProxyOptions {
  allowPrivate: boolean;
  maxBytes?: number;
}

async function fetchImage(start: URL, dispatcher: Dispatcher, opts: ProxyOptions): Promise<Dispatcher.ResponseData> {
  let url = start;
  for (let hop = 0; ; hop++) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!opts.allowPrivate && isInternalAddress(host)) throw new UnprocessableError(`image URL points at an internal address: ${url.host}`);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'GET', dispatcher, headers: { accept: [...IMAGE_TYPES].join(', '), 'user-agent': 'Trove image proxy' } });
    } catch (err) {
      throw new RemoteError(`image fetch from ${url.host} failed: ${errorMessage(err)}`, { cause: err });
    }
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
      await res.body.dump();
      if (hop >= MAX_REDIRECTS) throw new RemoteError(`image at ${start.host} redirects more than ${MAX_REDIRECTS} times`);
      const next = httpUrl(new URL(location, url).toString());
      if (!next) throw new RemoteError(`image at ${url.host} redirects to a non-http location`);
      url = next;
      continue;
    }
    if (res.statusCode >= 400) {
      await res.body.dump();
      throw new RemoteError(`image at ${url.host} answered ${res.statusCode}`);
    }
    return res;
  }
}

async function streamCapped(res: Dispatcher.ResponseData, out: Response, contentType: string, maxBytes: number): Promise<void> {
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (declared > maxBytes) {
    await res.body.dump();
    throw new UnprocessableError(`image is ${declared} bytes, over the ${maxBytes}-byte limit`);
  }
  out.setHeader('Content-Type', contentType);
  out.setHeader('Cache-Control', 'private, max-age=3600');
  out.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  out.setHeader('Content-Disposition', 'inline');
  let sent = 0;
  for await (const chunk of res.body) {
    sent += (chunk as Buffer).length;
    if (sent > maxBytes) {
      res.body.destroy();
      out.destroy(new Error(`image over the ${maxBytes}-byte limit`));
      return;
    }
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
  }
  out.end();
}

/** GET /api/items/:id/image — the item's image, fetched by the hub and passed through if it is one. */
export function imageProxyRouter(hub: Hub, opts: ProxyOptions = { allowPrivate: hub.config.imageProxyAllowPrivate }): Router {
  const r = Router();
  const dispatcher = opts.allowPrivate ? new Agent({ connect: { timeout: TIMEOUT_MS }, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS }) : guardedAgent();
  const maxBytes = opts.maxBytes ?? MAX_IMAGE_BYTES;

  r.get('/items/:id/image', async (req, res) => {
    const id = parseInput(z.coerce.number().int().positive(), req.params.id, 'item id');
    const item = await getItem(hub.store.db, id);
    if (!item || !(await maySeeItem(hub.store.db, currentAuth(req), id))) throw new NotFoundError('item', id);
    const url = imageUrlOf(item);
    if (!url) throw new NotFoundError('image of item', id);
    const remote = await fetchImage(url, dispatcher, opts);
    const contentType = String(remote.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!IMAGE_TYPES.has(contentType)) {
      await remote.body.dump();
      throw new UnprocessableError(`item ${id}'s image URL does not serve an image (content type "${contentType || 'none'}")`);
    }
    await streamCapped(remote, res, contentType, maxBytes);
  });
  return r;
}
