import fs from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { EXPORT_FORMATS, writeItems, type ExportFormat } from '../../core/item-export.js';
import { itemHistory } from '../../core/item-history.js';
import { listItems, streamItems } from '../../core/items.js';
import { getSource } from '../../core/sources.js';
import type { Hub } from '../../hub.js';
import { output, parseIntOption, withHub } from '../context.js';
import { table } from '../table.js';

async function sourceIdOf(hub: Hub, name?: string): Promise<number | undefined> {
  return name === undefined ? undefined : (await getSource(hub.store.db, name)).id;
}

export function registerItemsCommands(program: Command): void {
  const items = program.command('items').description('browse and export items');

  items
    .command('list')
    .description('list items, newest last, a page at a time')
    .option('--source <name>', 'only items of this source')
    .option('--limit <n>', 'items per page', parseIntOption('--limit'), 20)
    .option('--cursor <cursor>', 'continue after a previous page')
    .action(async (flags: { source?: string; limit: number; cursor?: string }, cmd: Command) => {
      const page = await withHub(cmd, async (hub) =>
        listItems(hub.store.db, { sourceId: await sourceIdOf(hub, flags.source), limit: flags.limit, cursor: flags.cursor }),
      );
      output(cmd, page, () =>
        [
          table(['ID', 'SOURCE', 'KEY', 'TEXT'], page.items.map((i) => [i.id, i.source, i.key, (i.text ?? '').replace(/\s+/g, ' ').slice(0, 60)])),
          page.nextCursor ? `next page: --cursor ${page.nextCursor}` : '',
        ].join('\n'),
      );
    });

  items
    .command('history')
    .description('what an item holds now and every content it held before (hash, run, when)')
    .argument('<id>', 'item id (from `items list`)', parseIntOption('item id'))
    .action(async (id: number, _flags: unknown, cmd: Command) => {
      const history = await withHub(cmd, (hub) => itemHistory(hub.store.db, id));
      const { item, current, versions } = history;
      output(cmd, history, () =>
        [
          `item ${item.id} (${item.source}/${item.key}): ${versions.length === 0 ? 'never changed' : `${versions.length} earlier version${versions.length === 1 ? '' : 's'}`}`,
          table(['CONTENT', 'HELD UNTIL', 'REPLACED BY RUN'], [
            [current.contentHash.slice(0, 12), 'now', ''],
            ...versions.map((v) => [v.contentHash.slice(0, 12), v.replacedAt, v.replacedByRun ?? '—']),
          ]),
        ].join('\n'),
      );
    });

  items
    .command('export')
    .description('export items as JSON Lines, CSV or Parquet (stdout unless --out)')
    .option('--source <name>', 'only items of this source')
    .option('--format <format>', EXPORT_FORMATS.join(' | '), 'jsonl')
    .option('--out <file>', 'write to this file')
    .option('--raw-cells', "csv: write cells as stored, even those a spreadsheet would run as formulas (=, +, -, @); for programs, not spreadsheets")
    .action(async (flags: { source?: string; format: string; out?: string; rawCells?: boolean }, cmd: Command) => {
      if (!(EXPORT_FORMATS as readonly string[]).includes(flags.format)) {
        throw new InputError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got "${flags.format}"`);
      }
      const count = await withHub(cmd, async (hub) => {
        const sourceId = await sourceIdOf(hub, flags.source);
        const out = flags.out ? fs.createWriteStream(flags.out) : process.stdout;
        const n = await writeItems(streamItems(hub.store.db, { sourceId }), flags.format as ExportFormat, out, { rawCells: flags.rawCells });
        if (flags.out) {
          out.end();
          await once(out, 'finish');
        }
        return n;
      });
      if (flags.out) process.stderr.write(`exported ${count} items to ${flags.out}\n`);
    });
}
