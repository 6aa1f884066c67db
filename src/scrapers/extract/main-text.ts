import type { AnyNode, Element, ParentNode } from 'domhandler';
import type { PageLandmarks } from './page-landmarks.js';

const SKIPPED_TAGS = new Set([
  'script', 'style', 'noscript', 'template', 'nav', 'header', 'footer', 'aside', 'form', 'iframe', 'svg', 'button',
  'select', 'textarea', 'input', 'menu', 'dialog', 'object', 'embed', 'canvas', 'video', 'audio', 'map', 'head', 'title',
]);
const BLOCK_TAGS = new Set([
  'p', 'div', 'section', 'article', 'main', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'ul', 'ol', 'table', 'tr', 'td',
  'th', 'blockquote', 'pre', 'br', 'hr', 'dd', 'dt', 'dl', 'figure', 'figcaption', 'address', 'details', 'summary',
]);
const BOILERPLATE_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'complementary', 'search', 'menu', 'menubar', 'dialog', 'alert']);
const BOILERPLATE_NAME = /(^|[\s_-])(nav|navbar|menu|footer|sidebar|breadcrumbs?|cookies?|consent|share|sharing|social|related|comments?|advert|ads|promo|newsletter|subscribe|pagination|skip-link)($|[\s_-])/i;
const ODD_WHITESPACE = /\s{2,}|[\t\n\r\f\v\u00a0]/g;
/** A block whose text is mostly link text (menus, tag clouds, "related" lists) is boilerplate. */
const MAX_LINK_DENSITY = 0.5;

/**
 * The readable text of a page without its navigation and boilerplate: the main element
 * (`<main>`, a lone `<article>`, `[role=main]`, else `<body>`), minus scripts, navigation, headers,
 * footers, asides, forms, hidden parts and link-dense blocks; one line per block.
 */
export function mainText(marks: PageLandmarks): string {
  const root = mainElement(marks);
  if (!root) return '';
  const out: string[] = [];
  for (const child of root.children) collect(child, out, false);
  return tidy(out.join(''));
}

function mainElement(marks: PageLandmarks): ParentNode | undefined {
  if (marks.articles.length === 1) return marks.articles[0];
  return marks.main ?? marks.roleMain ?? marks.body ?? marks.root;
}

interface Counts {
  chars: number;
  linkChars: number;
}

function collect(node: AnyNode, out: string[], inLink: boolean): Counts {
  if (node.type === 'text') {
    // Only runs of whitespace and non-space whitespace need rewriting; single spaces are the norm.
    const text = node.data.replace(ODD_WHITESPACE, ' ');
    out.push(text);
    const chars = text.length;
    return { chars, linkChars: inLink ? chars : 0 };
  }
  if (node.type !== 'tag' && node.type !== 'root') return { chars: 0, linkChars: 0 };
  const el = node as Element;
  if (el.type === 'tag' && isBoilerplate(el)) return { chars: 0, linkChars: 0 };
  const block = BLOCK_TAGS.has(el.name);
  const start = out.length;
  if (block) out.push('\n');
  const link = inLink || el.name === 'a';
  const counts = { chars: 0, linkChars: 0 };
  for (const child of el.children) {
    const c = collect(child, out, link);
    counts.chars += c.chars;
    counts.linkChars += c.linkChars;
  }
  if (block && !inLink && counts.chars > 0 && counts.linkChars / counts.chars > MAX_LINK_DENSITY && el.name !== 'p') {
    out.length = start;
    return { chars: 0, linkChars: 0 };
  }
  if (block) out.push('\n');
  return counts;
}

function isBoilerplate(el: Element): boolean {
  if (SKIPPED_TAGS.has(el.name)) return true;
  const a = el.attribs;
  if (a.hidden !== undefined || a['aria-hidden'] === 'true') return true;
  if (a.role && BOILERPLATE_ROLES.has(a.role)) return true;
  if (a.style && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(a.style)) return true;
  return (a.class !== undefined && BOILERPLATE_NAME.test(a.class)) || (a.id !== undefined && BOILERPLATE_NAME.test(a.id));
}

function tidy(text: string): string {
  const lines: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line) lines.push(line.replace(/ {2,}/g, ' '));
  }
  return lines.join('\n');
}
