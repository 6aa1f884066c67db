import { el } from './dom.js';
import { labeling, type Progress, type Project } from './labeling-api.js';
import { canManage, renderNav, requireSession, showFailure, type SessionUser } from './session.js';
import { welcome } from './welcome.js';

/** Projects one may label (all of them for managers), each with its progress and the way in. */
function projectCard(project: Project, progress: Progress | null, user: SessionUser): HTMLElement {
  const label = el('a', { class: 'button primary', href: `/label.html?project=${encodeURIComponent(project.name)}` }, 'Start labeling');
  const stats = canManage(user) ? el('a', { class: 'button', href: `/project.html?name=${encodeURIComponent(project.name)}` }, 'Stats & review') : null;
  const kind = { single: 'single label', multi: 'multi-label', spans: 'text spans' }[project.schema.kind];
  return el('article', { class: 'project-card', 'data-project': project.name },
    el('h2', {}, project.name),
    el('p', { class: 'muted' }, `${kind} · ${project.schema.labels.length} labels · ${project.overlap} per item · from ${project.sources.join(', ')}`),
    progress ? el('div', { class: 'progress-line' },
      el('progress', { max: String(Math.max(progress.items, 1)), value: String(progress.complete) }),
      el('span', { class: 'muted' }, `${progress.complete}/${progress.items} complete · ${progress.mine} by you`)) : null,
    el('div', { class: 'row' }, label, stats));
}

async function main(): Promise<void> {
  const user = await requireSession();
  renderNav(user);
  const app = document.getElementById('app');
  if (!app) return;
  const projects = await labeling.projects();
  const progress = await Promise.all(projects.map((p) => labeling.progress(p.name)));
  app.replaceChildren(
    el('h1', {}, 'Labeling projects'),
    projects.length === 0 ? welcome(user) : el('div', { class: 'project-list' }, ...projects.map((p, i) => projectCard(p, progress[i], user))),
  );
}

main().catch(showFailure);
