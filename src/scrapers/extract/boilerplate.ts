import type { Element } from 'domhandler';

const SKIPPED_TAGS = new Set([
  'script', 'style', 'noscript', 'template', 'nav', 'header', 'footer', 'aside', 'form', 'iframe', 'svg', 'button',
  'select', 'textarea', 'input', 'menu', 'dialog', 'object', 'embed', 'canvas', 'video', 'audio', 'map', 'head', 'title',
]);
/** Elements that hold a page's content whatever their class says (`<body class="one-sidebar">`). */
const CONTENT_TAGS = new Set(['html', 'body', 'main', 'article']);
const CONTENT_NAME = /article|body|column|content|main|story|post|entry|wrap|page|container/i;
const BOILERPLATE_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'complementary', 'search', 'menu', 'menubar', 'dialog', 'alert']);
const BOILERPLATE_NAME = /(^|[\s_-])(nav|navbar|menu|footer|sidebar|breadcrumbs?|cookies?|consent|share|sharing|social|related|comments?|advert|ads|promo|newsletter|subscribe|pagination|skip-link)($|[\s_-])/i;

/** Navigation, page chrome, hidden parts and widgets: never part of a page's text. */
export function isBoilerplate(el: Element): boolean {
  if (SKIPPED_TAGS.has(el.name)) return true;
  const a = el.attribs;
  if (a.hidden !== undefined || a['aria-hidden'] === 'true') return true;
  if (a.role && BOILERPLATE_ROLES.has(a.role)) return true;
  if (a.style && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(a.style)) return true;
  if (CONTENT_TAGS.has(el.name)) return false;
  return boilerplateName(a.class) || boilerplateName(a.id);
}

/** A name that says "menu" or "footer" and not also "content": wrappers like `content-with-sidebar` stay. */
function boilerplateName(name: string | undefined): boolean {
  return name !== undefined && BOILERPLATE_NAME.test(name) && !CONTENT_NAME.test(name);
}
