// Bundles the web UI (web/src) into web/dist, which the hub serves at /.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist, { recursive: true });

// Every page is the same shell around its own entry script; only these differ.
const pages = [
  { file: 'index.html', title: 'Trove', entry: 'dashboard' },
  { file: 'login.html', title: 'Log in · Trove', entry: 'login', nav: false },
  { file: 'label.html', title: 'Label · Trove', entry: 'label', wide: true },
  { file: 'projects.html', title: 'Projects · Trove', entry: 'projects' },
  { file: 'project.html', title: 'Project · Trove', entry: 'project' },
  { file: 'sources.html', title: 'Sources · Trove', entry: 'sources' },
  { file: 'models.html', title: 'Snapshots and models · Trove', entry: 'models' },
];

function pageHtml({ title, entry, nav = true, wide = false }) {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title}</title>
  <link rel="stylesheet" href="/style.css">
  <script type="module" src="/${entry}.entry.js"></script>
</head>
<body>
  <header class="top"><a href="/" class="brand">Trove</a>${nav ? '<nav id="nav"></nav>' : ''}</header>
  <main id="app"${wide ? ' class="wide"' : ''}><p class="muted">Loading…</p></main>
</body>
</html>
`;
}

for (const page of pages) fs.writeFileSync(path.join(dist, page.file), pageHtml(page));
fs.copyFileSync(path.join(root, 'src', 'style.css'), path.join(dist, 'style.css'));

const entries = fs.readdirSync(path.join(root, 'src')).filter((f) => f.endsWith('.entry.ts'));
await build({
  entryPoints: entries.map((e) => path.join(root, 'src', e)),
  outdir: dist,
  entryNames: '[name]',
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
