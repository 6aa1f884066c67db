import { el, table } from './dom.js';
import { configEditor } from './sources-config-form.js';
import { sourcesApi, type Item, type Run, type Source } from './sources-api.js';
import { canManage, renderNav, requireSession, showFailure, type SessionUser } from './session.js';
import { runHref, sourceHref, when, whenText } from './when.js';

/**
 * The sources pages: the list and "add a source" (no query), one source (`?name=`) with its config,
 * schedule, runs and items, and one run (`?run=`) with its live progress and per-page errors.
 * Scraped text is only ever put in as text nodes.
 */
const app = (): HTMLElement => document.getElementById('app') as HTMLElement;
const LIVE_MS = 1500;

function fill(node: HTMLElement, ...children: Array<Node | string | null>): void {
  node.replaceChildren(...children.filter((c): c is Node | string => c !== null));
}

function statusLine(): { element: HTMLElement; ok(text: string): void; fail(err: unknown): void } {
  const element = el('p', { class: 'status', role: 'status' });
  return {
    element,
    ok(text) {
      element.className = 'status';
      element.textContent = text;
    },
    fail(err) {
      element.className = 'status error';
      element.textContent = err instanceof Error ? err.message : String(err);
    },
  };
}

function statusBadge(status: string): HTMLElement {
  return el('span', { class: `status-${status}` }, status);
}

function runsTable(runs: Run[]): HTMLElement {
  if (runs.length === 0) return el('p', { class: 'muted' }, 'No runs yet.');
  return table(['Run', 'Trigger', 'Status', 'Seen', 'Inserted', 'Updated', 'Failed', 'Started'],
    runs.map((r) => [el('a', { href: runHref(r.id) }, `#${r.id}`), r.trigger, statusBadge(r.status), r.seen, r.inserted, r.updated, r.failed, when(r.startedAt)]));
}

async function listPage(user: SessionUser): Promise<void> {
  const [sources, kinds] = await Promise.all([sourcesApi.list(), sourcesApi.kinds()]);
  const rows = sources.map((s) => [el('a', { href: sourceHref(s.name) }, s.name), s.kind, s.itemCount, s.schedule ?? '', s.lastRun ? el('a', { href: runHref(s.lastRun.id) }, `#${s.lastRun.id} `, statusBadge(s.lastRun.status)) : '']);
  fill(app(),
    el('h1', {}, 'Sources'),
    sources.length ? table(['Name', 'Kind', 'Items', 'Schedule (UTC)', 'Last run'], rows) : el('p', { class: 'muted' }, 'No sources yet.'),
    canManage(user) ? addSourceForm(kinds.map((k) => k.name)) : null,
  );
}

/** The run's figures; the queue and the rate mean something only while it runs. */
function runCards(run: Run, live: boolean): Array<[string, number | undefined]> {
  const p = run.progress;
  const counts: Array<[string, number | undefined]> = [['inserted', run.inserted], ['updated', run.updated], ['unchanged', run.unchanged], ['failed', run.failed]];
  if (!live) return [['done', p.done], ...counts];
  return [['done', p.done], ['queued', p.queued], ['rate /s', p.rate === undefined ? undefined : Math.round(p.rate)], ...counts];
}

function addSourceForm(kinds: string[]): HTMLElement {
  const name = el('input', { required: true, pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]*', placeholder: 'my-source' });
  const kind = el('select', {}, ...kinds.map((k) => el('option', { value: k, selected: k === 'crawl' }, k)));
  const schedule = el('input', { placeholder: 'e.g. 0 3 * * * (optional)' });
  const editorSlot = el('div');
  let editor = configEditor(kind.value, {});
  editorSlot.replaceChildren(editor.element);
  kind.addEventListener('change', () => {
    editor = configEditor(kind.value, {});
    editorSlot.replaceChildren(editor.element);
  });
  const status = statusLine();
  const form = el('form', { class: 'source-form' },
    el('h2', {}, 'Add a source'),
    el('div', { class: 'form-row' },
      el('label', { class: 'form-field' }, el('span', {}, 'Name'), name),
      el('label', { class: 'form-field' }, el('span', {}, 'Kind'), kind),
      el('label', { class: 'form-field' }, el('span', {}, 'Schedule (cron, UTC)'), schedule)),
    editorSlot,
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Add source')),
    status.element);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      try {
        const { source } = await sourcesApi.create({ name: name.value.trim(), kind: kind.value, config: editor.read(), schedule: schedule.value.trim() || null });
        location.assign(sourceHref(source.name));
      } catch (err) {
        status.fail(err);
      }
    })();
  });
  return form;
}

async function sourcePage(user: SessionUser, name: string): Promise<void> {
  const { source, itemCount, runs } = await sourcesApi.get(name);
  const manage = canManage(user);
  fill(app(),
    el('p', {}, el('a', { href: '/sources.html' }, '← All sources')),
    el('h1', {}, `${source.name} `, el('span', { class: 'badge' }, source.kind)),
    el('p', { class: 'muted' }, `${itemCount} items · created ${source.createdAt}`),
    manage ? controls(source, runs) : null,
    el('h2', {}, 'Runs'),
    runsTable(runs),
    manage ? editConfigForm(source) : el('pre', { class: 'code' }, JSON.stringify(source.config, null, 2)),
    el('h2', {}, 'Items'),
    itemBrowser(source.name),
  );
}

function controls(source: Source, runs: Run[]): HTMLElement {
  const status = statusLine();
  const active = runs.find((r) => r.status === 'queued' || r.status === 'running');
  const runNow = el('button', { type: 'button', class: 'primary', disabled: Boolean(active) }, active ? `Run #${active.id} is ${active.status}` : 'Run now');
  runNow.addEventListener('click', () => {
    sourcesApi.runNow(source.name).then((run) => location.assign(runHref(run.id)), status.fail);
  });
  const cron = el('input', { value: source.schedule ?? '', placeholder: 'e.g. */30 * * * *', 'aria-label': 'cron schedule (UTC)' });
  const save = el('button', { type: 'button' }, 'Set schedule');
  const clear = el('button', { type: 'button', disabled: source.schedule === null }, 'Clear schedule');
  save.addEventListener('click', () => {
    sourcesApi.update(source.name, { schedule: cron.value.trim() || null }).then((r) => status.ok(r.source.schedule ? `Runs on ${r.source.schedule} (UTC)` : 'No schedule'), status.fail);
  });
  clear.addEventListener('click', () => {
    sourcesApi.update(source.name, { schedule: null }).then(() => {
      cron.value = '';
      status.ok('Schedule cleared');
    }, status.fail);
  });
  const remove = el('button', { type: 'button' }, 'Remove source');
  remove.addEventListener('click', () => {
    if (!confirm(`Remove ${source.name} with all its items and runs?`)) return;
    sourcesApi.remove(source.name).then(() => location.assign('/sources.html'), status.fail);
  });
  return el('div', { class: 'card' },
    el('div', { class: 'row-actions' }, runNow, el('label', {}, 'Schedule (UTC) ', cron), save, clear, remove),
    status.element);
}

function editConfigForm(source: Source): HTMLElement {
  const editor = configEditor(source.kind, source.config);
  const status = statusLine();
  const form = el('form', { class: 'source-form' }, el('h2', {}, 'Config'), editor.element,
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Save config')), status.element);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    try {
      sourcesApi.update(source.name, { config: editor.read() }).then(() => status.ok('Config saved'), status.fail);
    } catch (err) {
      status.fail(err);
    }
  });
  return form;
}

function itemView(item: Item): HTMLElement {
  const fields = Object.entries(item.fields);
  return el('details', { class: 'item' },
    el('summary', {}, item.url ?? item.key),
    fields.length ? el('dl', { class: 'fields' }, ...fields.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))])) : null,
    el('div', { class: 'item-text' }, item.text ?? ''),
    el('p', { class: 'item-url muted' }, `key ${item.key} · fetched ${item.fetchedAt}`));
}

function itemBrowser(source: string): HTMLElement {
  const list = el('div');
  const more = el('button', { type: 'button' }, 'Load more');
  const status = statusLine();
  let cursor: string | null = null;
  const load = () => {
    more.disabled = true;
    sourcesApi.items(source, cursor).then((page) => {
      list.append(...page.items.map(itemView));
      cursor = page.nextCursor;
      more.disabled = cursor === null;
      if (list.childElementCount === 0) status.ok('No items yet.');
    }, status.fail);
  };
  more.addEventListener('click', load);
  load();
  return el('div', {}, list, more, status.element);
}

async function runPage(user: SessionUser, id: number): Promise<void> {
  const head = el('div');
  const errors = el('div');
  const cancelStatus = statusLine();
  const cancel = el('button', { type: 'button' }, 'Cancel run');
  cancel.addEventListener('click', () => {
    sourcesApi.cancel(id).then((run) => cancelStatus.ok(run.status === 'cancelled' ? 'Run cancelled' : 'Cancel requested: the run stops at its next heartbeat'), cancelStatus.fail);
  });
  fill(app(),head, canManage(user) ? el('div', { class: 'actions' }, cancel) : null, cancelStatus.element, el('h2', {}, 'Errors'), errors);

  const refresh = async (): Promise<boolean> => {
    const [{ run }, runErrors, workers] = await Promise.all([sourcesApi.run(id), sourcesApi.runErrors(id), sourcesApi.runWorkers(id)]);
    const p = run.progress;
    const live = run.status === 'queued' || run.status === 'running';
    cancel.disabled = !live;
    fill(head,
      el('p', {}, el('a', { href: sourceHref(run.source) }, `← ${run.source}`)),
      el('h1', {}, `Run #${run.id} `, statusBadge(run.status)),
      el('p', { class: 'muted' }, `${run.trigger} · started ${run.startedAt ? whenText(run.startedAt) : '—'}${run.finishedAt ? ` · finished ${whenText(run.finishedAt)}` : ''}${run.durationMs !== null ? ` · ${(run.durationMs / 1000).toFixed(1)} s` : ''}`),
      run.error ? el('p', { class: 'error' }, run.error) : null,
      p.total ? el('progress', { max: String(p.total), value: String(p.done ?? 0) }) : null,
      el('div', { class: 'cards' },
        ...runCards(run, live)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => el('div', { class: 'card' }, el('div', { class: 'n' }, v ?? 0), el('div', { class: 'muted' }, k)))),
      // A source's note is about the work in progress (a crawl's is its rate, already a card).
      live && p.message && p.rate === undefined ? el('p', { class: 'muted' }, p.message) : null,
      workers.length > 1 ? table(['Worker', 'Status', 'Inserted', 'Failed'], workers.map((w) => [w.worker, statusBadge(w.status), w.inserted, w.failed])) : null,
    );
    errors.replaceChildren(runErrors.length ? table(['Where', 'Error', 'At'], runErrors.map((e) => [e.location, e.message, e.at])) : el('p', { class: 'muted' }, 'No errors.'));
    return live;
  };
  const poll = async () => {
    try {
      if (await refresh()) setTimeout(() => void poll(), LIVE_MS);
    } catch (err) {
      cancelStatus.fail(err);
      setTimeout(() => void poll(), LIVE_MS * 4);
    }
  };
  await poll();
}

async function main(): Promise<void> {
  const user = await requireSession();
  renderNav(user);
  const params = new URLSearchParams(location.search);
  const run = params.get('run');
  const name = params.get('name');
  if (run !== null && /^\d+$/.test(run)) await runPage(user, Number(run));
  else if (name) await sourcePage(user, name);
  else await listPage(user);
}

main().catch(showFailure);
