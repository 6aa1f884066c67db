import type { AnyNode, Document, Element, ParentNode } from 'domhandler';

/** The elements extraction needs, found in one walk of the document instead of a query each. */
export interface PageLandmarks {
  root: ParentNode;
  html?: Element;
  body?: Element;
  main?: Element;
  roleMain?: Element;
  articles: Element[];
  title?: Element;
  h1?: Element;
  metas: Element[];
  canonical?: Element;
  base?: Element;
  /** `<a href>` and `<area href>` elements. */
  anchors: Element[];
}

const LANDMARK_TAGS = new Set(['html', 'body', 'main', 'article', 'title', 'h1', 'meta', 'link', 'base', 'a', 'area']);

export function findLandmarks(root: Document): PageLandmarks {
  const found: PageLandmarks = { root, articles: [], metas: [], anchors: [] };
  walk(root, found, false);
  return found;
}

function walk(node: ParentNode, found: PageLandmarks, inSvg: boolean): void {
  for (const child of node.children) {
    if (child.type !== 'tag' && child.type !== 'script' && child.type !== 'style') continue;
    const el = child as Element;
    if (LANDMARK_TAGS.has(el.name) && !inSvg) note(el, found);
    else if (el.attribs.role === 'main') found.roleMain ??= el;
    if (el.children.length > 0 && el.type === 'tag') walk(el, found, inSvg || el.name === 'svg');
  }
}

function note(el: Element, found: PageLandmarks): void {
  switch (el.name) {
    case 'html':
      found.html ??= el;
      break;
    case 'body':
      found.body ??= el;
      break;
    case 'main':
      found.main ??= el;
      break;
    case 'article':
      found.articles.push(el);
      break;
    case 'title':
      found.title ??= el;
      break;
    case 'h1':
      found.h1 ??= el;
      break;
    case 'meta':
      found.metas.push(el);
      break;
    case 'link':
      if (!found.canonical && /(^|\s)canonical(\s|$)/i.test(el.attribs.rel ?? '')) found.canonical = el;
      break;
    case 'a':
    case 'area':
      if (el.attribs.href) found.anchors.push(el);
      if (el.attribs.role === 'main') found.roleMain ??= el;
      break;
    case 'base':
      if (el.attribs.href) found.base ??= el;
      break;
  }
}

/** The content of the first `<meta>` whose `attr` is `value` (case-insensitive). */
export function metaContent(found: PageLandmarks, attr: 'name' | 'property' | 'http-equiv', value: string): string | undefined {
  for (const m of found.metas) if (m.attribs[attr]?.toLowerCase() === value && m.attribs.content !== undefined) return m.attribs.content;
  return undefined;
}

/** Text of a node and its descendants, as cheerio's .text() would give. */
export function textOf(node: AnyNode | undefined): string {
  if (!node) return '';
  if (node.type === 'text') return node.data;
  if (node.type !== 'tag' && node.type !== 'root' && node.type !== 'script' && node.type !== 'style') return '';
  let out = '';
  for (const child of (node as Element).children) out += textOf(child);
  return out;
}
