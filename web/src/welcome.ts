import { api, el } from './dom.js';
import { canManage, type SessionUser } from './session.js';

/** First run: no projects yet. Managers get a one-click demo; annotators are told who can add them. */
export function welcome(user: SessionUser): HTMLElement {
  if (!canManage(user)) {
    return el('div', { class: 'welcome' }, el('h2', {}, 'No projects yet'), el('p', {}, 'You are not a member of any labeling project. Ask a manager to add you: ', el('code', {}, `npx trove projects add-member PROJECT ${user.name}`)));
  }
  const button = el('button', { type: 'button', class: 'primary', id: 'demo-setup' }, 'Set up the demo projects');
  const message = el('p', { class: 'error', role: 'alert' });
  button.addEventListener('click', () => {
    button.disabled = true;
    button.textContent = 'Importing 48 reviews…';
    api<{ projects: string[] }>('/api/demo', { method: 'POST', body: '{}' })
      .then((r) => location.assign(`/label.html?project=${encodeURIComponent(r.projects[0])}`))
      .catch((err: unknown) => {
        message.textContent = `Demo set-up failed: ${(err as Error).message}`;
        button.disabled = false;
        button.textContent = 'Set up the demo projects';
      });
  });
  return el('div', { class: 'welcome' },
    el('h2', {}, 'Welcome to Trove'),
    el('p', {}, 'There are no labeling projects yet. Try one in a click: this imports 48 short reviews (seven languages, written for Trove, CC0 licence) and creates two projects — sentiment (one label per review, keys 1–4) and entities (select text spans) — with you as a member.'),
    button, message,
    el('p', { class: 'muted' }, 'Your own data: ', el('code', {}, 'npx trove import data.csv --source mydata --text body'), ', then ',
      el('code', {}, 'npx trove projects create myproject --source mydata --schema schema.json')));
}

