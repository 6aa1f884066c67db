import { el } from './dom.js';

/** A config editor: reads the config the user entered, or throws an Error saying what is wrong. */
export interface ConfigEditor {
  element: HTMLElement;
  read(): Record<string, unknown>;
}

function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return el('label', { class: 'form-field' }, el('span', {}, label), input, hint ? el('small', { class: 'muted' }, hint) : null);
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

function optionalInt(input: HTMLInputElement, name: string): number | undefined {
  if (input.value.trim() === '') return undefined;
  const n = Number(input.value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number`);
  return n;
}

/** Any kind: the config as JSON, checked by the server against the kind's schema. */
export function jsonEditor(config: Record<string, unknown>): ConfigEditor {
  const area = el('textarea', { rows: '12', class: 'code', spellcheck: 'false', 'aria-label': 'config (JSON)' });
  area.value = JSON.stringify(config, null, 2);
  return {
    element: field('Config (JSON)', area, 'Checked against the kind\'s schema before it is saved.'),
    read() {
      let value: unknown;
      try {
        value = JSON.parse(area.value);
      } catch (err) {
        throw new Error(`config is not valid JSON: ${(err as Error).message}`);
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('config must be a JSON object');
      return value as Record<string, unknown>;
    },
  };
}

/** The crawl kind: the common settings as fields; the rest of the config (recipes, timeouts) kept as it was. */
export function crawlEditor(config: Record<string, unknown>): ConfigEditor {
  const str = (k: string) => (config[k] === undefined ? '' : String(config[k]));
  const list = (k: string) => (Array.isArray(config[k]) ? (config[k] as unknown[]).map(String).join('\n') : '');
  const startUrls = el('textarea', { rows: '3', required: true, placeholder: 'https://example.org/' });
  startUrls.value = list('startUrls');
  const maxPages = el('input', { type: 'number', min: '1', value: str('maxPages') });
  const maxDepth = el('input', { type: 'number', min: '0', value: str('maxDepth') });
  const concurrency = el('input', { type: 'number', min: '1', value: str('concurrency') || '10' });
  const delayMs = el('input', { type: 'number', min: '0', value: str('delayMs') || '0' });
  const include = el('textarea', { rows: '2' });
  include.value = list('include');
  const exclude = el('textarea', { rows: '2' });
  exclude.value = list('exclude');
  const respectRobots = el('input', { type: 'checkbox', checked: config.respectRobots !== false });
  const render = el('input', { type: 'checkbox', checked: config.render === true });
  const rest: Record<string, unknown> = { ...config };
  for (const k of ['startUrls', 'maxPages', 'maxDepth', 'concurrency', 'delayMs', 'include', 'exclude', 'respectRobots', 'render']) delete rest[k];
  const advanced = jsonEditor(rest);
  return {
    element: el('div', { class: 'config-form' },
      field('Start URLs (one a line)', startUrls),
      el('div', { class: 'form-row' }, field('Max pages', maxPages), field('Max depth', maxDepth, 'start URLs are depth 0'), field('Concurrency', concurrency), field('Delay per host (ms)', delayMs)),
      el('div', { class: 'form-row' }, field('Include (globs, one a line)', include), field('Exclude (globs, one a line)', exclude)),
      el('div', { class: 'form-row' }, field('Honour robots.txt', respectRobots), field('Render with Chromium', render)),
      el('details', {}, el('summary', {}, 'Advanced settings (recipe, timeouts, user agent…)'), advanced.element)),
    read() {
      const urls = lines(startUrls.value);
      if (urls.length === 0) throw new Error('give at least one start URL');
      const out: Record<string, unknown> = { ...advanced.read(), startUrls: urls, respectRobots: respectRobots.checked, render: render.checked };
      const numbers: Array<[string, HTMLInputElement]> = [['maxPages', maxPages], ['maxDepth', maxDepth], ['concurrency', concurrency], ['delayMs', delayMs]];
      for (const [k, input] of numbers) {
        const n = optionalInt(input, k);
        if (n !== undefined) out[k] = n;
      }
      if (lines(include.value).length) out.include = lines(include.value);
      if (lines(exclude.value).length) out.exclude = lines(exclude.value);
      return out;
    },
  };
}

export function configEditor(kind: string, config: Record<string, unknown>): ConfigEditor {
  return kind === 'crawl' ? crawlEditor(config) : jsonEditor(config);
}
