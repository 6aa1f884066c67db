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
  const counts: Counts = { chars: 0, linkChars: 0 };
  for (const child of root.children) collect(child, out, false, counts);
  return tidy(out.join(''));
}

function mainElement(marks: PageLandmarks): ParentNode | undefined {
  if (marks.articles.length === 1) return marks.articles[0];
  return marks.main ?? marks.roleMain ?? marks.body ?? marks.root;
}

/** Text kept so far, in characters, and how much of it is link text: one running tally per page. */
interface Counts {
  chars: number;
  linkChars: number;
}

/** Appends the text of `node` to `out` and adds its characters to `counts`. */
function collect(node: AnyNode, out: string[], inLink: boolean, counts: Counts): void {
  if (node.type === 'text') {
    // Only runs of whitespace and non-space whitespace need rewriting; single spaces are the norm.
    const text = node.data.replace(ODD_WHITESPACE, ' ');
    out.push(text);
    counts.chars += text.length;
    if (inLink) counts.linkChars += text.length;
    return;
  }
  if (node.type !== 'tag' && node.type !== 'root') return;
  const el = node as Element;
  if (el.type === 'tag' && isBoilerplate(el)) return;
  const block = BLOCK_TAGS.has(el.name);
  const start = out.length;
  const charsBefore = counts.chars;
  const linkCharsBefore = counts.linkChars;
  if (block) out.push('\n');
  const link = inLink || el.name === 'a';
  for (const child of el.children) collect(child, out, link, counts);
  if (block) {
    const chars = counts.chars - charsBefore;
    if (!inLink && chars > 0 && (counts.linkChars - linkCharsBefore) / chars > MAX_LINK_DENSITY && el.name !== 'p') {
      out.length = start;
      counts.chars = charsBefore;
      counts.linkChars = linkCharsBefore;
      return;
    }
    out.push('\n');
  }
}

function isBoilerplate(el: Element): boolean {
  if (SKIPPED_TAGS.has(el.name)) return true;
  const a = el.attribs;
  if (a.hidden !== undefined || a['aria-hidden'] === 'true') return true;
  if (a.role && BOILERPLATE_ROLES.has(a.role)) return true;
  if (a.style && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(a.style)) return true;
  return (a.class !== undefined && BOILERPLATE_NAME.test(a.class)) || (a.id !== undefined && BOILERPLATE_NAME.test(a.id));
}

/**
 * One line per block: lines trimmed, empty ones dropped, runs of spaces collapsed. Collapsing the
 * whole text once gives what collapsing each trimmed line would (a run never spans a line break).
 */
function tidy(text: string): string {
  const lines: string[] = [];
  for (const raw of text.replace(/ {2,}/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line) lines.push(line);
  }
  return lines.join('\n');
}
