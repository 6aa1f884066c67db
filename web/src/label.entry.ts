import { ApiError, el } from './dom.js';
import { clientId, hasImage, labeling, type CrowdStatus, type HistoryEntry, type Item, type LabelDef, type LabelResult, type NextTask, type Progress, type Project, type SubmittedAnnotation } from './labeling-api.js';
import { renderMarkdown, sanitizeItemHtml } from './safe-html.js';
import { renderNav, requireSession, showFailure, type SessionUser } from './session.js';
import { overlaps, renderSpans, selectedRange, selectOffsets, wordRanges, type Span } from './spans.js';

/**
 * The annotator: one item at a time, driven from the keyboard. Label hotkeys pick (or toggle)
 * labels, Enter submits, S skips, the arrow keys walk back through one's own annotations (where
 * Enter saves an edit) and forward again to the current task. In span projects ↓/↑ move a word
 * cursor and Shift+→/← extend it, so spans can be selected without a mouse.
 */
const PALETTE = ['#2f5fd0', '#d0542f', '#1e8e4e', '#8e44ad', '#c28f00', '#16a0a8', '#b03060', '#5d6d7e', '#7a5c00'];
const RESERVED_KEYS = new Set(['s', 'S', 'Enter', 'ArrowLeft', 'ArrowRight', 'Escape', 'Backspace', 'Delete', '?']);

interface Draft {
  label: string | null;
  labels: Set<string>;
  spans: Span[];
}

type View =
  | { kind: 'task'; next: NextTask; clientId: string }
  | { kind: 'history'; index: number }
  | { kind: 'done' };

class Annotator {
  private view: View = { kind: 'done' };
  /** The view whose empty spans answer was questioned: submitting it again means "no spans here". */
  private emptyQuestioned: View | null = null;
  private draft: Draft = { label: null, labels: new Set(), spans: [] };
  private activeSpanLabel: string;
  /** Keyboard span selection: word indexes of the selection's fixed end and moving end. */
  private wordCursor: { anchor: number; focus: number } | null = null;
  private history: HistoryEntry[] = [];
  private pendingTask: NextTask | null = null;
  private busy = false;
  private progress: Progress | null = null;
  private crowd: CrowdStatus | null = null;
  private readonly hotkeys = new Map<string, LabelDef>();
  private readonly colors = new Map<string, string>();
  private readonly root = el('section', { class: 'annotator' });
  private readonly status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' });

  constructor(
    private readonly project: Project,
    private readonly user: SessionUser,
  ) {
    project.schema.labels.forEach((label, i) => {
      const key = label.hotkey ?? (i < 9 ? String(i + 1) : undefined);
      if (key && !RESERVED_KEYS.has(key)) this.hotkeys.set(key.toLowerCase(), label);
      this.colors.set(label.value, /^#[0-9a-f]{3,8}$/i.test(label.color ?? '') ? (label.color as string) : PALETTE[i % PALETTE.length]);
    });
    this.activeSpanLabel = project.schema.labels[0]?.value ?? '';
  }

  async start(): Promise<void> {
    document.addEventListener('keydown', (e) => this.onKey(e));
    [this.history] = await Promise.all([labeling.history(this.project.name), this.refreshProgress()]);
    await this.loadNext();
  }

  private hotkeyOf(label: string): string | undefined {
    for (const [key, def] of this.hotkeys) if (def.value === label) return key;
    return undefined;
  }

  /** Crowd workers see their quota and, at the end, their completion code; everyone else the project's progress. */
  private async refreshProgress(): Promise<void> {
    if (this.user.kind === 'crowd') this.crowd = await labeling.crowdStatus(this.project.name);
    else this.progress = await labeling.progress(this.project.name);
  }

  private async loadNext(): Promise<void> {
    const next = this.pendingTask ?? (await labeling.next(this.project.name));
    this.pendingTask = null;
    this.view = next ? { kind: 'task', next, clientId: clientId() } : { kind: 'done' };
    this.draft = { label: null, labels: new Set(), spans: [] };
    this.wordCursor = null;
    this.render();
  }

  private currentItem(): Item | null {
    if (this.view.kind === 'task') return this.view.next.item;
    if (this.view.kind === 'history') return this.history[this.view.index].item;
    return null;
  }

  private onKey(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey || this.busy) return;
    const target = e.target as HTMLElement | null;
    if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
    const handled = this.handleWordKey(e.key, e.shiftKey) || this.handleKey(e.key);
    if (handled) e.preventDefault();
  }

  /** ↓/↑ put the word cursor on the next/previous word, Shift+→/← extend the selection by a word. */
  private handleWordKey(key: string, shift: boolean): boolean {
    if (this.project.schema.kind !== 'spans' || this.view.kind === 'done') return false;
    const step = { ArrowDown: 1, ArrowUp: -1, ArrowRight: 1, ArrowLeft: -1 }[key];
    const vertical = key === 'ArrowDown' || key === 'ArrowUp';
    if (step === undefined || vertical === shift) return false;
    const words = wordRanges(this.currentItem()?.text ?? '');
    const textBox = this.root.querySelector<HTMLElement>('.item-text');
    if (words.length === 0 || !textBox) return true;
    const clamp = (i: number) => Math.max(0, Math.min(words.length - 1, i));
    const cursor = this.wordCursor;
    if (shift) this.wordCursor = cursor ? { anchor: cursor.anchor, focus: clamp(cursor.focus + step) } : { anchor: 0, focus: 0 };
    else {
      const at = cursor ? clamp(cursor.focus + step) : step > 0 ? 0 : words.length - 1;
      this.wordCursor = { anchor: at, focus: at };
    }
    const { anchor, focus } = this.wordCursor as { anchor: number; focus: number };
    selectOffsets(textBox, words[Math.min(anchor, focus)].start, words[Math.max(anchor, focus)].end);
    return true;
  }

  private handleKey(key: string): boolean {
    if (key === 'Enter') return this.act(() => this.submit());
    if (key === 'ArrowLeft') return this.act(() => this.moveHistory(-1));
    if (key === 'ArrowRight') return this.act(() => this.moveHistory(1));
    if (key === 's' || key === 'S') return this.view.kind === 'task' ? this.act(() => this.skip()) : false;
    if (key === 'Escape') {
      window.getSelection()?.removeAllRanges();
      return true;
    }
    if ((key === 'Backspace' || key === 'Delete') && this.project.schema.kind === 'spans') {
      this.draft.spans.pop();
      this.render();
      return true;
    }
    const def = this.hotkeys.get(key.toLowerCase());
    if (!def || this.view.kind === 'done') return false;
    this.pick(def.value);
    return true;
  }

  private act(work: () => Promise<void>): boolean {
    this.busy = true;
    this.say('');
    work()
      .catch((err: unknown) => this.say(err instanceof ApiError && err.status === 422 ? `Not accepted: ${err.message}` : `Failed: ${(err as Error).message}`, true))
      .finally(() => {
        this.busy = false;
      });
    return true;
  }

  private say(message: string, isError = false): void {
    this.status.textContent = message;
    this.status.classList.toggle('error', isError);
  }

  /** A label hotkey or button: picks the single label, toggles a multi label, or labels the selected text. */
  private pick(label: string): void {
    const kind = this.project.schema.kind;
    if (kind === 'single') this.draft.label = label;
    else if (kind === 'multi') {
      if (this.draft.labels.has(label)) this.draft.labels.delete(label);
      else this.draft.labels.add(label);
    } else {
      this.activeSpanLabel = label;
      this.addSelectedSpan();
    }
    this.render();
  }

  private addSelectedSpan(): void {
    const textBox = this.root.querySelector<HTMLElement>('.item-text');
    const text = this.currentItem()?.text ?? '';
    if (!textBox) return;
    const range = selectedRange(textBox, text);
    if (!range) return;
    window.getSelection()?.removeAllRanges();
    if (!this.project.schema.allowOverlap && this.draft.spans.some((s) => overlaps(s, range))) {
      this.say('That overlaps a span already there; click a highlight to remove it first.', true);
      return;
    }
    this.draft.spans.push({ ...range, label: this.activeSpanLabel });
    this.draft.spans.sort((a, b) => a.start - b.start || a.end - b.end);
    // The word cursor waits on the span's last word, so ↓ goes on to the word after it.
    if (this.wordCursor) {
      const last = Math.max(this.wordCursor.anchor, this.wordCursor.focus);
      this.wordCursor = { anchor: last, focus: last };
    }
  }

  private result(): LabelResult | null {
    const kind = this.project.schema.kind;
    if (kind === 'single') return this.draft.label === null ? null : { label: this.draft.label };
    if (kind === 'multi') return { labels: this.project.schema.labels.map((l) => l.value).filter((v) => this.draft.labels.has(v)) };
    return { spans: this.draft.spans.map((s) => ({ start: s.start, end: s.end, label: s.label })) };
  }

  private async submit(): Promise<void> {
    const result = this.result();
    if (!result) {
      this.say('Pick a label first (its key is on the button).', true);
      return;
    }
    if ('spans' in result && result.spans.length === 0 && this.emptyQuestioned !== this.view) {
      this.emptyQuestioned = this.view;
      this.say('No span marked. Mark one first, or press Enter again to answer that this text has none.', true);
      return;
    }
    if (this.view.kind === 'task') {
      const { next, clientId: id } = this.view;
      let saved: SubmittedAnnotation;
      try {
        saved = await labeling.submit(next.task.id, id, result);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 409)) throw err;
        // The lease ran out and the task went back to the pool: the answer cannot count, move on.
        await this.loadNext();
        this.say(`Not saved: ${err.message}. Here is the next item.`, true);
        return;
      }
      const a = saved.annotation;
      this.history.unshift({ annotationId: a.id, taskId: a.taskId, item: next.item, result: a.result, reviewStatus: a.reviewStatus, createdAt: a.createdAt, updatedAt: a.updatedAt });
      await Promise.all([this.refreshProgress(), this.loadNext()]);
      this.render();
      this.say('Saved.');
    } else if (this.view.kind === 'history') {
      const entry = this.history[this.view.index];
      await labeling.edit(entry.annotationId, result);
      this.history[this.view.index] = { ...entry, result };
      this.say('Edit saved.');
      await this.moveHistory(1);
    }
  }

  private async skip(): Promise<void> {
    if (this.view.kind !== 'task') return;
    await labeling.skip(this.view.next.task.id);
    await this.refreshProgress();
    await this.loadNext();
    this.say('Skipped.');
  }

  /** History is newest first; ← goes to older entries, → back toward the current task. */
  private async moveHistory(step: -1 | 1): Promise<void> {
    if (this.view.kind === 'history') {
      const index = this.view.index - step;
      if (index < 0) {
        await this.loadNext();
        return;
      }
      if (index >= this.history.length) return;
      this.showHistory(index);
    } else if (step === -1 && this.history.length > 0) {
      if (this.view.kind === 'task') this.pendingTask = this.view.next;
      this.showHistory(0);
    }
  }

  private showHistory(index: number): void {
    const { result } = this.history[index];
    this.view = { kind: 'history', index };
    this.wordCursor = null;
    this.draft = {
      label: 'label' in result ? result.label : null,
      labels: new Set('labels' in result ? result.labels : []),
      spans: 'spans' in result ? result.spans.map((s) => ({ ...s })) : [],
    };
    this.render();
  }

  render(): void {
    const item = this.currentItem();
    const body = item ? [this.renderItem(item), this.renderLabels(), this.renderActions()] : [this.renderDone()];
    this.root.replaceChildren(this.renderHead(), ...body, this.status);
  }

  private renderProgress(): HTMLElement | null {
    const p = this.progress;
    const c = this.crowd;
    if (c) {
      if (c.quota === null) return el('div', { class: 'progress-line' }, el('span', { class: 'muted' }, `${c.done} tasks done`));
      return el('div', { class: 'progress-line' },
        el('progress', { max: String(Math.max(c.quota, 1)), value: String(c.done), 'aria-label': 'your progress' }),
        el('span', { class: 'muted', 'data-testid': 'progress' }, `${c.done} of ${c.quota} tasks done`));
    }
    if (!p) return null;
    return el('div', { class: 'progress-line' },
      el('progress', { max: String(Math.max(p.items, 1)), value: String(p.complete), 'aria-label': 'project progress' }),
      el('span', { class: 'muted', 'data-testid': 'progress' }, `${p.complete} of ${p.items} items complete · ${p.mine} by you`));
  }

  private renderHead(): HTMLElement {
    const where =
      this.view.kind === 'history'
        ? el('span', { class: 'badge history' }, `Your annotation ${this.history.length - this.view.index} of ${this.history.length} — editing`)
        : this.view.kind === 'task'
          ? el('span', { class: 'muted' }, `Item #${this.view.next.item.id}`)
          : null;
    return el('div', { class: 'task-head' },
      el('h1', {}, this.project.name),
      where,
      this.renderProgress());
  }

  private renderItem(item: Item): HTMLElement {
    const body = el('article', { class: 'item' });
    if (hasImage(item)) body.append(el('img', { src: `/api/items/${item.id}/image`, alt: `image of item ${item.id}`, class: 'item-image' }));
    const html = item.fields.html;
    if (this.project.schema.kind === 'spans') {
      const textBox = el('div', { class: 'item-text spans-text' });
      const text = item.text ?? '';
      renderSpans(textBox, text, this.draft.spans, (l) => this.colors.get(l) ?? PALETTE[0], (span) => {
        if (!window.getSelection()?.isCollapsed) return;
        this.draft.spans = this.draft.spans.filter((s) => s !== span);
        this.render();
      });
      textBox.addEventListener('mouseup', () => {
        const before = this.draft.spans.length;
        this.addSelectedSpan();
        if (this.draft.spans.length !== before) this.render();
      });
      body.append(textBox);
    } else if (typeof html === 'string' && html.trim() !== '') {
      body.append(el('div', { class: 'item-html' }, sanitizeItemHtml(html)));
    } else if (item.text !== null) {
      body.append(el('div', { class: 'item-text' }, item.text));
    }
    const context = Object.entries(item.fields).filter(([k, v]) => k !== 'html' && v !== null && typeof v !== 'object');
    if (context.length > 0) {
      body.append(el('dl', { class: 'fields' }, ...context.slice(0, 12).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))])));
    }
    if (item.url) body.append(el('p', { class: 'muted item-url' }, item.url));
    return body;
  }

  private renderLabels(): HTMLElement {
    const kind = this.project.schema.kind;
    const chosen = (v: string): boolean =>
      kind === 'single' ? this.draft.label === v : kind === 'multi' ? this.draft.labels.has(v) : this.activeSpanLabel === v;
    const buttons = this.project.schema.labels.map((def) => {
      const key = this.hotkeyOf(def.value);
      const b = el('button', { type: 'button', class: 'label', 'aria-pressed': chosen(def.value) ? 'true' : 'false', 'data-label': def.value },
        key ? el('kbd', {}, key) : null, def.value);
      b.style.setProperty('--label-color', this.colors.get(def.value) ?? PALETTE[0]);
      b.addEventListener('mousedown', (e) => e.preventDefault());
      b.addEventListener('click', () => this.pick(def.value));
      return b;
    });
    const hint = kind === 'spans' ? 'Select text (or ↓/↑ word by word, Shift+→/← to extend), then press a label key. Click a highlight to remove it.'
      : kind === 'multi' ? 'Label keys toggle; pick every label that applies.' : 'Press a label key, then Enter.';
    return el('div', { class: 'labels' }, el('div', { class: 'label-buttons' }, ...buttons), el('p', { class: 'muted hint' }, hint));
  }

  private renderActions(): HTMLElement {
    const submit = el('button', { type: 'button', class: 'primary' }, this.view.kind === 'history' ? 'Save edit ' : 'Submit ', el('kbd', {}, 'Enter'));
    submit.addEventListener('click', () => this.act(() => this.submit()));
    const back = el('button', { type: 'button', disabled: this.history.length === 0 || (this.view.kind === 'history' && this.view.index >= this.history.length - 1) }, el('kbd', {}, '←'), ' Previous');
    back.addEventListener('click', () => this.act(() => this.moveHistory(-1)));
    const forward = el('button', { type: 'button', disabled: this.view.kind !== 'history' }, 'Next ', el('kbd', {}, '→'));
    forward.addEventListener('click', () => this.act(() => this.moveHistory(1)));
    const skip = el('button', { type: 'button', disabled: this.view.kind !== 'task' }, 'Skip ', el('kbd', {}, 'S'));
    skip.addEventListener('click', () => this.act(() => this.skip()));
    return el('div', { class: 'actions' }, back, forward, skip, submit);
  }

  private renderDone(): HTMLElement {
    if (this.crowd) {
      const code = this.crowd.completionCode;
      return el('div', { class: 'done' },
        el('h2', {}, code ? 'Thank you — you are done' : 'No more tasks for you'),
        code ? el('p', {}, 'Your completion code:')
          : el('p', { class: 'muted' }, this.crowd.passed === false ? 'Too many check questions were answered wrongly, so there is no completion code for this session.' : 'There is no completion code for this session yet: the quota is not reached.'),
        code ? el('p', { class: 'completion-code' }, code) : null);
    }
    return el('div', { class: 'done' },
      el('h2', {}, 'Nothing left for you here'),
      el('p', { class: 'muted' }, 'Every item you can label in this project is labeled or held by someone else. Use ← to review your annotations, or come back later.'),
      el('p', {}, el('a', { href: '/projects.html' }, 'Back to projects')));
  }

  instructionsPanel(): HTMLElement | null {
    if (!this.project.instructions) return null;
    return el('aside', { class: 'instructions' }, el('details', { open: true }, el('summary', {}, 'Instructions'), el('div', { class: 'markdown' }, renderMarkdown(this.project.instructions))));
  }

  element(): HTMLElement {
    return this.root;
  }
}

async function main(): Promise<void> {
  const user = await requireSession();
  renderNav(user);
  const name = new URLSearchParams(location.search).get('project');
  const app = document.getElementById('app');
  if (!app) return;
  if (!name) {
    location.assign('/projects.html');
    return;
  }
  const project = await labeling.project(name);
  document.title = `${project.name} · Trove`;
  const annotator = new Annotator(project, user);
  app.replaceChildren(el('div', { class: 'annotate-layout' }, annotator.element(), annotator.instructionsPanel()));
  await annotator.start();
}

main().catch(showFailure);
