// Bundles the web UI (web/src) into web/dist, which the hub serves at /.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist, { recursive: true });

const pages = fs.readdirSync(path.join(root, 'pages')).filter((f) => f.endsWith('.html'));
for (const page of pages) fs.copyFileSync(path.join(root, 'pages', page), path.join(dist, page));
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
