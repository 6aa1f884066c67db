import type { AnyNode, Element } from 'domhandler';
import { isBoilerplate } from './boilerplate.js';
import { articleNodes } from './content-scoring.js';
import type { PageLandmarks } from './page-landmarks.js';

const BLOCK_TAGS = new Set([
  'p', 'div', 'section', 'article', 'main', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'ul', 'ol', 'table', 'tr', 'td',
  'th', 'blockquote', 'pre', 'br', 'hr', 'dd', 'dt', 'dl', 'figure', 'figcaption', 'address', 'details', 'summary',
]);
const CHROME_TAGS = new Set(['h1', 'figure', 'figcaption', 'picture']);
const CHROME_NAME = /(^|[\s_-])(caption|credits?|byline|author|dateline|timestamp|published|tags|photo|image|gallery|video|player)($|[\s_-])/i;
const ODD_WHITESPACE = /\s{2,}|[\t\n\r\f\v\u00a0]/g;
/** A block whose text is mostly link text (menus, tag clouds, "related" lists) is boilerplate. */
const MAX_LINK_DENSITY = 0.5;

/**
 * The readable text of a page without its navigation and boilerplate: its article (see
 * `articleNodes`), minus scripts, navigation, headers, footers, asides, forms, hidden parts and
 * link-dense blocks; one line per block.
 */
export function mainText(marks: PageLandmarks): string {
  const out: string[] = [];
  const counts: Counts = { chars: 0, linkChars: 0 };
  for (const node of articleNodes(marks)) collectArticle(node, out, counts);
  return tidy(out.join(''));
}

/** An article node is kept whatever its own link density: only the blocks inside it are judged. */
function collectArticle(node: AnyNode, out: string[], counts: Counts): void {
  if (node.type !== 'tag' || isBoilerplate(node) || isArticleChrome(node)) return collect(node, out, false, counts);
  out.push('\n');
  for (const child of (node as Element).children) collect(child, out, node.name === 'a', counts);
  out.push('\n');
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
  if (el.type === 'tag' && (isBoilerplate(el) || isArticleChrome(el))) return;
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

/**
 * What surrounds an article's prose without being part of it: its headline (the page's title says
 * it), figures and their captions, bylines, datelines and tag lists.
 */
function isArticleChrome(el: Element): boolean {
  if (CHROME_TAGS.has(el.name)) return true;
  const name = `${el.attribs.class ?? ''} ${el.attribs.id ?? ''}`;
  return CHROME_NAME.test(name);
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
