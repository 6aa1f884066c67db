/** Exports a project to /dev/null in this process and prints {rows, seconds, peakRssMB} (the CLI's code path). */
import fs from 'node:fs';
import { once } from 'node:events';
import { silentLogger } from '../../src/core/log.js';
import { openHub } from '../../src/hub.js';
import { exportProject, type ProjectExportFormat } from '../../src/labeling/export.js';
import { getProject } from '../../src/labeling/projects.js';

const [dataDir, projectName, format] = process.argv.slice(2);
const hub = await openHub({ dataDir, log: silentLogger });
const started = performance.now();
const out = fs.createWriteStream('/dev/null');
const rows = await exportProject(hub.store.db, await getProject(hub.store.db, projectName), { format: format as ProjectExportFormat }, out);
out.end();
await once(out, 'finish');
const seconds = (performance.now() - started) / 1000;
await hub.close();
process.stdout.write(JSON.stringify({ format, rows, seconds: Number(seconds.toFixed(2)), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');
