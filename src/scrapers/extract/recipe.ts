import type { CheerioAPI } from 'cheerio';
import { select } from 'cheerio-select';
import { InputError } from '../../core/errors.js';
import { recipeSchema, type FieldSpec } from './recipe-schema.js';
import { compileUrlGlob, type UrlGlob } from '../url-scope.js';

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

/** The fields and text override a recipe gives one page. */
export function applyRecipe(recipe: CompiledRecipe, $: CheerioAPI, pageUrl: string): { fields: Record<string, unknown>; text?: string } {
  const url = new URL(pageUrl);
  const fields: Record<string, unknown> = {};
  let text: string | undefined;
  for (const rule of recipe.rules) {
    if (rule.urls.length > 0 && !rule.urls.some((g) => g.matches(url))) continue;
    for (const f of rule.fields) fields[f.name] = readField($, f, pageUrl);
    if (rule.text) text = $(rule.text).map((_, el) => $(el).text().trim()).get().filter(Boolean).join('\n');
  }
  return { fields, text };
}

function readField($: CheerioAPI, f: CompiledField, pageUrl: string): string | string[] | null {
  const matches = $(f.selector);
  const read = (i: number): string | null => {
    const el = matches.eq(i);
    if (!f.attribute) return el.text().replace(/\s+/g, ' ').trim();
    const value = el.attr(f.attribute);
    if (value === undefined) return null;
    if (f.attribute === 'href' || f.attribute === 'src') return absolute(value, pageUrl);
    return value;
  };
  if (f.all) {
    const values: string[] = [];
    for (let i = 0; i < matches.length; i++) {
      const v = read(i);
      if (v !== null && v !== '') values.push(v);
    }
    return values;
  }
  return matches.length === 0 ? null : read(0);
}

function absolute(value: string, base: string): string {
  try {
    return new URL(value, base).href;
  } catch {
    return value;
  }
}
