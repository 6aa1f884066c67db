import { select } from 'cheerio-select';
import type { Document, Element } from 'domhandler';
import { InputError } from '../../core/errors.js';
import { recipeSchema, type FieldSpec } from './recipe-schema.js';
import { compileUrlGlob, type UrlGlob } from '../url-scope.js';
import { textOf } from './page-landmarks.js';

interface CompiledField {
  name: string;
  selector: string;
  attribute?: string;
  all: boolean;
}

interface CompiledRule {
  urls: UrlGlob[];
  fields: CompiledField[];
  text?: string;
}

export interface CompiledRecipe {
  rules: CompiledRule[];
}

/** Validates a recipe (shape and every CSS selector); the error names the file and the field. */
export function compileRecipe(input: unknown, where = 'recipe'): CompiledRecipe {
  const parsed = recipeSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${where}: ${issue?.path.length ? issue.path.join('.') : '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const rules = parsed.data.rules.map((rule, i) => {
    const at = `${where}: rules.${i}`;
    const fields = Object.entries(rule.fields ?? {}).map(([name, spec]) => compileField(name, spec, `${at}.fields.${name}`));
    if (rule.text) checkSelector(rule.text, `${at}.text`);
    const urls = rule.urls === undefined ? [] : Array.isArray(rule.urls) ? rule.urls : [rule.urls];
    return { urls: urls.map(compileUrlGlob), fields, text: rule.text };
  });
  return { rules };
}

function compileField(name: string, spec: FieldSpec, where: string): CompiledField {
  const f = typeof spec === 'string' ? { name, selector: spec, all: false } : { name, selector: spec.selector, attribute: spec.attribute, all: spec.all ?? false };
  checkSelector(f.selector, `${where}.selector`);
  return f;
}

/**
 * Selecting over no nodes parses the selector as cheerio would (cheerio's own pseudo-classes
 * included) without loading an HTML parser: the crawl thread validates recipes, analyzer threads parse.
 */
function checkSelector(selector: string, where: string): void {
  try {
    select(selector, []);
  } catch (err) {
    throw new InputError(`${where}: invalid CSS selector "${selector}" (${(err as Error).message})`);
  }
}

/** The fields and text override a recipe gives one page of the parsed document `doc`. */
export function applyRecipe(recipe: CompiledRecipe, doc: Document, pageUrl: string): { fields: Record<string, unknown>; text?: string } {
  const url = new URL(pageUrl);
  const fields: Record<string, unknown> = {};
  let text: string | undefined;
  for (const rule of recipe.rules) {
    if (rule.urls.length > 0 && !rule.urls.some((g) => g.matches(url))) continue;
    for (const f of rule.fields) fields[f.name] = readField(doc, f, pageUrl);
    if (rule.text) text = query(doc, rule.text).map((el) => textOf(el).trim()).filter(Boolean).join('\n');
  }
  return { fields, text };
}

function readField(doc: Document, f: CompiledField, pageUrl: string): string | string[] | null {
  const read = (el: Element): string | null => {
    if (!f.attribute) return textOf(el).replace(/\s+/g, ' ').trim();
    const value = attributeOf(el, f.attribute);
    if (value === undefined) return null;
    if (f.attribute === 'href' || f.attribute === 'src') return absolute(value, pageUrl);
    return value;
  };
  if (f.all) {
    const values: string[] = [];
    for (const el of query(doc, f.selector)) {
      const v = read(el);
      if (v !== null && v !== '') values.push(v);
    }
    return values;
  }
  // One field reads the first match: the search stops there instead of walking the whole page.
  const first = query(doc, f.selector, 1)[0];
  return first === undefined ? null : read(first);
}

/** Selectors cheerio resolves against the document node itself rather than its children. */
const CONTEXT_SELECTOR = /^\s*(?:[+~]|:scope\b)/;

/**
 * The elements cheerio's `$(selector)` gives on a loaded document, in document order (the same
 * cheerio-select call cheerio makes), without building a Cheerio object per query.
 */
function query(doc: Document, selector: string, limit?: number): Element[] {
  const from = CONTEXT_SELECTOR.test(selector) ? [doc] : doc.children;
  return select(selector, from, { context: [doc], root: doc, xmlMode: false }, limit);
}

/** HTML attributes whose value cheerio's `.attr()` reports as the attribute's own name. */
const BOOLEAN_ATTRIBUTE = /^(?:autofocus|autoplay|async|checked|controls|defer|disabled|hidden|loop|multiple|open|readonly|required|scoped|selected)$/i;

/** An attribute as cheerio's `.attr(name)` reads it (boolean attributes, an option's value, a checkbox's "on"). */
function attributeOf(el: Element, name: string): string | undefined {
  if (Object.hasOwn(el.attribs, name)) return BOOLEAN_ATTRIBUTE.test(name) ? name : el.attribs[name];
  if (el.name === 'option' && name === 'value') return textOf(el);
  if (el.name === 'input' && (el.attribs.type === 'radio' || el.attribs.type === 'checkbox') && name === 'value') return 'on';
  return undefined;
}

function absolute(value: string, base: string): string {
  try {
    return new URL(value, base).href;
  } catch {
    return value;
  }
}
