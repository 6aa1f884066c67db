import { load, type CheerioAPI } from 'cheerio';
import type { Document } from 'domhandler';
import { normalizeUrl } from '../url-normalize.js';
import { mainText } from './main-text.js';
import { findLandmarks, metaContent, textOf, type PageLandmarks } from './page-landmarks.js';
import { applyRecipe, type CompiledRecipe } from './recipe.js';

/** What Trove reads from one HTML page. */
export interface PageExtract {
  title: string | null;
  description: string | null;
  canonical: string | null;
  language: string | null;
  /** The main text without navigation and boilerplate (or a recipe's text selector). */
  text: string;
  /** The default fields plus a recipe's fields. */
  fields: Record<string, unknown>;
}

/** Parses HTML the fast way: cheerio over htmlparser2, not parse5. */
export function parseHtml(html: string): CheerioAPI {
  return load(html, { xml: { xmlMode: false, decodeEntities: true } });
}

/**
 * The default extraction recipe (title, meta description, canonical URL, language, main text),
 * plus a declarative recipe's fields when one is given. Reusable by any source that holds HTML
 * (the RSS collector uses it for an article's main text).
 */
export function extractPage(html: string, url: string, recipe?: CompiledRecipe): PageExtract {
  return extractFromDocument(parseDocument(html), url, recipe);
}

/** The document node of a page: extraction walks the DOM itself, no Cheerio object needed. */
export function parseDocument(html: string): Document {
  return parseHtml(html).root()[0] as Document;
}

export function extractFromDocument(doc: Document, url: string, recipe?: CompiledRecipe, marks = findLandmarks(doc)): PageExtract {
  const title = clean(textOf(marks.title)) || clean(metaContent(marks, 'property', 'og:title')) || clean(textOf(marks.h1)) || null;
  const description = clean(metaContent(marks, 'name', 'description')) || clean(metaContent(marks, 'property', 'og:description')) || null;
  const canonicalHref = marks.canonical?.attribs.href;
  const canonical = canonicalHref ? normalizeUrl(canonicalHref, url) : null;
  const language = pageLanguage(marks);
  const fromRecipe = recipe ? applyRecipe(recipe, doc, url) : undefined;
  const text = fromRecipe?.text ?? mainText(marks);
  return {
    title,
    description,
    canonical,
    language,
    text,
    fields: { title, description, canonical, language, ...fromRecipe?.fields },
  };
}

/** A page's extract, the links it offers (unless it asks robots not to follow them). */
export function analyzePage(doc: Document, url: string, recipe?: CompiledRecipe): { extract: PageExtract; links: string[] } {
  const marks = findLandmarks(doc);
  const extract = extractFromDocument(doc, url, recipe, marks);
  return { extract, links: allowsFollowing(marks) ? pageLinks(marks, url) : [] };
}

/** Every http(s) link of the page, normalised (fragments dropped), honouring `<base href>`. */
function pageLinks(marks: PageLandmarks, url: string): string[] {
  const baseHref = marks.base?.attribs.href;
  const base = (baseHref && normalizeUrl(baseHref, url)) || url;
  const links = new Set<string>();
  for (const el of marks.anchors) {
    const rel = el.attribs.rel;
    if (rel && /\bnofollow\b/i.test(rel)) continue;
    const normalized = normalizeUrl(el.attribs.href, base);
    if (normalized) links.add(normalized);
  }
  return [...links];
}

/** `<meta name="robots" content="nofollow">` asks crawlers not to follow the page's links. */
function allowsFollowing(marks: PageLandmarks): boolean {
  const robots = metaContent(marks, 'name', 'robots');
  return !(robots && /\b(nofollow|none)\b/i.test(robots));
}

function pageLanguage(marks: PageLandmarks): string | null {
  const lang = marks.html?.attribs.lang ?? metaContent(marks, 'http-equiv', 'content-language') ?? metaContent(marks, 'property', 'og:locale');
  const tag = lang?.split(',')[0]?.trim().replace(/_/g, '-');
  return tag ? tag.toLowerCase() : null;
}

function clean(text: string | undefined): string {
  return text ? text.replace(/\s+/g, ' ').trim() : '';
}
