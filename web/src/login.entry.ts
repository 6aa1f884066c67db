import { api, ApiError, el } from './dom.js';

/** Only same-site paths are followed after login, so a crafted link cannot send users elsewhere. */
function nextPath(): string {
  const next = new URLSearchParams(location.search).get('next');
  if (!next?.startsWith('/')) return '/projects.html';
  const target = new URL(next, location.origin);
  return target.origin === location.origin ? `${target.pathname}${target.search}` : '/projects.html';
}

function render(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const username = el('input', { name: 'username', id: 'username', autocomplete: 'username', required: true, autofocus: true });
  const password = el('input', { name: 'password', id: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = el('p', { class: 'error', role: 'alert' });
  const submit = el('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = el('form', { class: 'login' },
    el('h1', {}, 'Log in to Trove'),
    el('label', { for: 'username' }, 'Username'), username,
    el('label', { for: 'password' }, 'Password'), password,
    submit, message);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.textContent = '';
    api('/api/auth/login', { method: 'POST', body: JSON.stringify({ username: username.value, password: password.value }) })
      .then(() => location.assign(nextPath()))
      .catch((err: unknown) => {
        message.textContent = err instanceof ApiError && err.status === 401 ? 'Wrong username or password.' : (err as Error).message;
        submit.disabled = false;
        password.select();
      });
  });
  app.replaceChildren(form);
  username.focus();
}

render();
