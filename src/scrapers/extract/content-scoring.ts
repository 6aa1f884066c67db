import type { AnyNode, Element, ParentNode } from 'domhandler';
import { isBoilerplate } from './boilerplate.js';
import type { PageLandmarks } from './page-landmarks.js';

/**
 * The nodes that hold a page's article, in document order. Inside the page's main element (a lone
 * `<article>`, `<main>`, `[role=main]` — when it holds a fair share of the page's text — else
 * `<body>`), paragraphs are scored and credit their ancestors, the way Readability-style
 * extractors do: the container most paragraphs of prose roll up into wins, and its siblings that
 * read like more of the same join it. Without a clear winner, the whole main element.
 */
export function articleNodes(marks: PageLandmarks): AnyNode[] {
  const page = marks.body ?? marks.root;
  const stats = new Map<Element, TextStats>();
  const pageChars = measure(page, stats).chars;
  const root = mainElement(marks, stats, pageChars) ?? page;
  const scores = new Map<Element, number>();
  for (const [el, s] of stats) if (isParagraph(el, s) && contains(root, el)) credit(el, paragraphScore(s), scores, root);
  const top = bestCandidate(scores, stats);
  return top ? withSiblings(top, scores, stats) : root.children;
}

/** The share of the page's text a landmark must hold to be trusted as the page's content. */
const MIN_LANDMARK_SHARE = 0.2;

function mainElement(marks: PageLandmarks, stats: Map<Element, TextStats>, pageChars: number): Element | undefined {
  const landmarks = [marks.articles.length === 1 ? marks.articles[0] : undefined, marks.main, marks.roleMain];
  return landmarks.find((el) => el !== undefined && (stats.get(el)?.chars ?? 0) >= Math.max(MIN_PARAGRAPH_CHARS, pageChars * MIN_LANDMARK_SHARE));
}

function contains(root: ParentNode, el: Element): boolean {
  for (let node: ParentNode | null = el; node; node = node.parent) if (node === root) return true;
  return false;
}

/** Characters of text under an element, how many sit inside links, and its commas. */
interface TextStats {
  chars: number;
  linkChars: number;
  commas: number;
  /** Whether the element has block-level children (a paragraph has none). */
  hasBlocks: boolean;
}

const PARAGRAPH_TAGS = new Set(['p', 'pre', 'td', 'blockquote', 'dd']);
const CONTAINER_TAGS = new Set(['div', 'section', 'article', 'main', 'span', 'font', 'center']);
const BLOCK_CHILDREN = new Set([
  'p', 'div', 'section', 'article', 'table', 'ul', 'ol', 'dl', 'pre', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'figure', 'header', 'footer', 'aside', 'nav', 'main', 'form', 'hr',
]);
const COMMAS = /[,，、،]/g;
const MIN_PARAGRAPH_CHARS = 25;
const POSITIVE_NAME = /article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story|prose/i;
const NEGATIVE_NAME = /hidden|^hid$|banner|combx|comment|com-|contact|foot|masthead|media|meta|outbrain|promo|related|scroll|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget|teaser|recommend|trending|most-?popular|byline|caption|author|subscribe|newsletter/i;

function measure(node: ParentNode, stats: Map<Element, TextStats>, inLink = false): TextStats {
  const own: TextStats = { chars: 0, linkChars: 0, commas: 0, hasBlocks: false };
  for (const child of node.children) {
    if (child.type === 'text') {
      const length = child.data.trim().length;
      own.chars += length;
      if (inLink) own.linkChars += length;
      own.commas += child.data.match(COMMAS)?.length ?? 0;
      continue;
    }
    if (child.type !== 'tag') continue;
    const el = child as Element;
    if (isBoilerplate(el)) continue;
    if (BLOCK_CHILDREN.has(el.name)) own.hasBlocks = true;
    const sub = measure(el, stats, inLink || el.name === 'a');
    own.chars += sub.chars;
    own.linkChars += sub.linkChars;
    own.commas += sub.commas;
  }
  if (node.type === 'tag') stats.set(node as Element, own);
  return own;
}

/** A run of prose: a paragraph element, or a container that holds only inline content. */
function isParagraph(el: Element, s: TextStats): boolean {
  if (s.chars < MIN_PARAGRAPH_CHARS) return false;
  if (PARAGRAPH_TAGS.has(el.name)) return !s.hasBlocks || el.name === 'td' || el.name === 'blockquote';
  return CONTAINER_TAGS.has(el.name) && !s.hasBlocks;
}

function paragraphScore(s: TextStats): number {
  return (1 + s.commas + Math.min(3, Math.floor(s.chars / 100))) * (1 - linkDensity(s));
}

/** A paragraph's score counts fully for its parent, half for its grandparent, less further up. */
function credit(el: Element, score: number, scores: Map<Element, number>, root: ParentNode): void {
  let ancestor = el.parent;
  for (let level = 0; level < 5 && ancestor && ancestor.type === 'tag'; level++) {
    const a = ancestor as Element;
    const divider = level === 0 ? 1 : level === 1 ? 2 : level * 3;
    scores.set(a, (scores.get(a) ?? initialScore(a)) + score / divider);
    if (a === root) break;
    ancestor = a.parent;
  }
}

function initialScore(el: Element): number {
  return tagWeight(el.name) + nameWeight(el);
}

function tagWeight(tag: string): number {
  if (tag === 'div' || tag === 'article') return 5;
  if (tag === 'pre' || tag === 'td' || tag === 'blockquote') return 3;
  if (tag === 'ol' || tag === 'ul' || tag === 'dl' || tag === 'li' || tag === 'form' || tag === 'address') return -3;
  if (/^h[1-6]$/.test(tag) || tag === 'th') return -5;
  return 0;
}

/** Class and id names that say "content" or "not content". */
function nameWeight(el: Element): number {
  let weight = 0;
  for (const name of [el.attribs.class, el.attribs.id]) {
    if (!name) continue;
    if (NEGATIVE_NAME.test(name)) weight -= 25;
    if (POSITIVE_NAME.test(name)) weight += 25;
  }
  if (el.attribs.itemprop === 'articleBody') weight += 50;
  return weight;
}

function linkDensity(s: TextStats): number {
  return s.chars > 0 ? s.linkChars / s.chars : 0;
}

function bestCandidate(scores: Map<Element, number>, stats: Map<Element, TextStats>): Element | undefined {
  let best: Element | undefined;
  let bestScore = 0;
  for (const [el, score] of scores) {
    const s = stats.get(el);
    if (!s) continue;
    const final = score * (1 - linkDensity(s));
    if (final > bestScore) {
      best = el;
      bestScore = final;
    }
  }
  if (!best) return undefined;
  // A container that is its parent's only content is the same article with less around it.
  while (best.parent && best.parent.type === 'tag' && onlyContent(best)) best = best.parent as Element;
  return best;
}

function onlyContent(el: Element): boolean {
  const siblings = (el.parent as Element).children.filter((c) => c.type === 'tag' || (c.type === 'text' && c.data.trim() !== ''));
  return siblings.length === 1;
}

/** The top candidate and those of its siblings that score close to it or read as prose. */
function withSiblings(top: Element, scores: Map<Element, number>, stats: Map<Element, TextStats>): AnyNode[] {
  const parent = top.parent;
  if (!parent) return [top];
  const threshold = Math.max(10, (scores.get(top) ?? 0) * 0.2);
  const topName = top.attribs.class;
  return parent.children.filter((sibling) => {
    if (sibling === top) return true;
    if (sibling.type !== 'tag') return false;
    const el = sibling as Element;
    const s = stats.get(el);
    if (!s) return false;
    let score = scores.get(el) ?? 0;
    if (topName && el.attribs.class === topName) score += (scores.get(top) ?? 0) * 0.2;
    if (score * (1 - linkDensity(s)) >= threshold) return true;
    if (el.name !== 'p') return false;
    const density = linkDensity(s);
    return (s.chars > 80 && density < 0.25) || (s.chars > 0 && s.chars <= 80 && density === 0 && /\.( |$)/.test(textEnd(el)));
  });
}

function textEnd(el: Element): string {
  const last = el.children[el.children.length - 1];
  return last?.type === 'text' ? last.data.trimEnd().slice(-2) : '';
}
