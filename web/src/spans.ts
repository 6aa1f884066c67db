import { el } from './dom.js';

/** A labeled span; offsets count UTF-16 code units, as JavaScript strings and the API do. */
export interface Span {
  start: number;
  end: number;
  label: string;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Widens [start, end) so it never cuts an emoji or other astral character in half, then drops
 * surrounding whitespace (double-click selections often include a trailing space).
 * Returns null when nothing but whitespace is left.
 */
export function snapRange(text: string, start: number, end: number): { start: number; end: number } | null {
  let s = Math.max(0, Math.min(start, end));
  let e = Math.min(text.length, Math.max(start, end));
  if (s > 0 && isLowSurrogate(text.charCodeAt(s)) && isHighSurrogate(text.charCodeAt(s - 1))) s -= 1;
  if (e < text.length && isLowSurrogate(text.charCodeAt(e)) && isHighSurrogate(text.charCodeAt(e - 1))) e += 1;
  while (s < e && /\s/.test(text[s])) s += 1;
  while (e > s && /\s/.test(text[e - 1])) e -= 1;
  return s < e ? { start: s, end: e } : null;
}

/**
 * The offset of a DOM boundary point inside `container`, in UTF-16 code units of its text.
 * The container holds only the item's text (highlights are elements around text nodes, and label
 * badges are CSS-generated), so the text before the point is exactly the item text before it.
 */
function offsetIn(container: Node, node: Node, offset: number): number {
  const range = document.createRange();
  range.setStart(container, 0);
  range.setEnd(node, offset);
  return range.toString().length;
}

/** The current selection as offsets into `container`'s text, or null when it is empty or elsewhere. */
export function selectedRange(container: HTMLElement, text: string): { start: number; end: number } | null {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) return null;
  return snapRange(text, offsetIn(container, range.startContainer, range.startOffset), offsetIn(container, range.endContainer, range.endOffset));
}

/**
 * The words of `text` as UTF-16 offset ranges: the steps of keyboard span selection. Words come
 * from the browser's word segmenter, so CJK text without spaces splits into words too; emoji and
 * punctuation are steps of their own, whitespace never is.
 */
export function wordRanges(text: string): Array<{ start: number; end: number }> {
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
  return [...segmenter.segment(text)].filter((s) => s.segment.trim() !== '').map((s) => ({ start: s.index, end: s.index + s.segment.length }));
}

/** Selects [start, end) of `container`'s text in the window selection, as a mouse drag would. */
export function selectOffsets(container: HTMLElement, start: number, end: number): void {
  const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let seen = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const length = (node as Text).data.length;
    if (start >= seen && start < seen + length) range.setStart(node, start - seen);
    if (end > seen && end <= seen + length) range.setEnd(node, end - seen);
    seen += length;
  }
  const selection = window.getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
}

export function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

/**
 * Renders `text` into `container` with each span highlighted. Overlapping spans split the text at
 * every boundary; a piece covered by several spans shows the innermost (last-starting) one.
 */
export function renderSpans(
  container: HTMLElement,
  text: string,
  spans: readonly Span[],
  colorOf: (label: string) => string,
  onRemove: (span: Span) => void,
): void {
  const cuts = new Set<number>([0, text.length]);
  for (const s of spans) {
    cuts.add(s.start);
    cuts.add(s.end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const pieces: Node[] = [];
  for (let i = 0; i < points.length - 1; i++) {
    const [from, to] = [points[i], points[i + 1]];
    const piece = text.slice(from, to);
    const covering = spans.filter((s) => s.start <= from && s.end >= to);
    if (covering.length === 0) {
      pieces.push(document.createTextNode(piece));
      continue;
    }
    const top = covering.reduce((a, b) => (b.start >= a.start ? b : a));
    const mark = el('mark', { 'data-label': top.end === to ? top.label : undefined, title: `${top.label} — click to remove`, class: 'span' }, piece);
    mark.style.setProperty('--label-color', colorOf(top.label));
    mark.addEventListener('click', () => onRemove(top));
    pieces.push(mark);
  }
  container.replaceChildren(...pieces);
}
