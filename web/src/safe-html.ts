import DOMPurify from 'dompurify';
import { marked } from 'marked';

/**
 * Scraped HTML and project instructions are untrusted. Both are parsed by DOMPurify in an inert
 * document and only an allowlist of structural tags survives: no scripts, no event handlers, no
 * styles, and nothing that loads a resource (img, media, frames, links to stylesheets). The page's
 * Content-Security-Policy is the second line of defence, not the first.
 */
const STRUCTURAL_TAGS = [
  'p', 'br', 'hr', 'div', 'span', 'b', 'i', 'em', 'strong', 'u', 's', 'sub', 'sup', 'small', 'mark',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code', 'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'a',
];

/** Item HTML keeps its structure; links keep their text but lose their targets, so nothing is one click from the item's site. */
export function sanitizeItemHtml(html: string): DocumentFragment {
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS: STRUCTURAL_TAGS,
    ALLOWED_ATTR: ['title', 'colspan', 'rowspan'],
    RETURN_DOM_FRAGMENT: true,
  });
}

/** Instructions are written by managers in Markdown; links to http(s) pages open in a new tab without referrer. */
export function renderMarkdown(markdown: string): DocumentFragment {
  const html = marked.parse(markdown, { async: false, gfm: true });
  const fragment = DOMPurify.sanitize(html, {
    ALLOWED_TAGS: STRUCTURAL_TAGS,
    ALLOWED_ATTR: ['href', 'title', 'colspan', 'rowspan'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
    RETURN_DOM_FRAGMENT: true,
  });
  for (const link of fragment.querySelectorAll('a[href]')) {
    link.setAttribute('target', '_blank');
    link.setAttribute('rel', 'noopener noreferrer');
  }
  return fragment;
}
