import { api, ApiError, el, setCsrfToken } from './dom.js';

export type Role = 'admin' | 'manager' | 'annotator';

export interface SessionUser {
  name: string;
  role: Role;
  kind: 'human' | 'crowd';
}

interface MeResponse {
  user: SessionUser;
  csrfToken: string;
}

export function canManage(user: SessionUser): boolean {
  return user.role === 'admin' || user.role === 'manager';
}

/** The logged-in user; without a session the browser goes to the login page and comes back here after. */
export async function requireSession(): Promise<SessionUser> {
  try {
    const me = await api<MeResponse>('/api/auth/me');
    setCsrfToken(me.csrfToken);
    return me.user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      const back = `${location.pathname}${location.search}`;
      location.assign(`/login.html?next=${encodeURIComponent(back)}`);
      return new Promise<never>(() => undefined);
    }
    throw err;
  }
}

/** Fills the page header: the places this role may go, who is logged in, and a logout button. */
export function renderNav(user: SessionUser): void {
  const nav = document.getElementById('nav');
  if (!nav) return;
  const links: [string, string][] = user.kind === 'crowd' ? [] : [['/projects.html', 'Projects']];
  if (canManage(user)) links.unshift(['/', 'Dashboard'], ['/sources.html', 'Sources']);
  if (canManage(user)) links.push(['/models.html', 'Models']);
  const logout = el('button', { type: 'button', class: 'link' }, 'Log out');
  logout.addEventListener('click', () => {
    api('/api/auth/logout', { method: 'POST' })
      .catch((err: unknown) => console.warn('logout failed', err))
      .finally(() => location.assign('/login.html'));
  });
  const here = location.pathname;
  nav.replaceChildren(
    ...links.map(([href, text]) => el('a', { href, 'aria-current': href === here ? 'page' : undefined }, text)),
    el('span', { class: 'who' }, el('span', { class: 'muted' }, `${user.name} · ${user.role}`), logout),
  );
}

/** Shows a failure in the page's main area, in words. */
export function showFailure(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  document.getElementById('app')?.replaceChildren(el('p', { class: 'error', role: 'alert' }, `Could not load: ${message}`));
}
