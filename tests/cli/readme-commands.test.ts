import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';

/**
 * Every shell command the README shows pastes and runs: `trove` is written `npx trove` (it is not
 * on PATH), no `a | b | c` or `[--flag]` shorthand stands in for several commands, and every
 * subcommand and flag named exists with the arguments it needs.
 */
const readme = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');

interface ShellLine {
  line: number;
  text: string;
}

/** The lines of ```sh and ```bash blocks, continuations joined, comments and here-documents dropped. */
function shellLines(markdown: string): ShellLine[] {
  const lines = markdown.split('\n');
  const out: ShellLine[] = [];
  let inShell = false;
  let heredocEnd: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (/^```/.test(raw)) {
      inShell = !inShell && /^```(sh|bash)\s*$/.test(raw);
      continue;
    }
    if (!inShell) continue;
    if (heredocEnd !== null) {
      if (raw.trim() === heredocEnd) heredocEnd = null;
      continue;
    }
    let text = raw;
    const start = i + 1;
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i].trim()}`;
    heredocEnd = /<<'?(\w+)'?/.exec(text)?.[1] ?? null;
    text = text.replace(/(^|\s)#(\s.*)?$/, '').trim();
    if (text) out.push({ line: start, text });
  }
  return out;
}

/** Shell words, quotes removed; an unquoted `|` is a word of its own. */
function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/'([^']*)'|"([^"]*)"|(\|)|([^\s'"|]+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return out;
}

const GLOBAL_FLAGS = new Set(['--data-dir', '--json', '--help']);

/** What is wrong with one `npx trove …` command, or null when commander would take it. */
function problem(program: Command, args: string[]): string | null {
  let cmd = program;
  let rest = [...args];
  while (rest.length > 0 && cmd.commands.length > 0) {
    const sub = cmd.commands.find((c) => c.name() === rest[0] || c.aliases().includes(rest[0]));
    if (!sub) return `"${rest[0]}" is not a subcommand of "${cmd.name()}"`;
    cmd = sub;
    rest = rest.slice(1);
  }
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    if (word === '|' || word.startsWith('[')) return `"${word}" is shorthand, not a command`;
    if (!word.startsWith('--')) {
      positional.push(word);
      continue;
    }
    const flag = word.split('=')[0];
    const option = cmd.options.find((o) => o.long === flag);
    if (!option) {
      if (GLOBAL_FLAGS.has(flag)) continue;
      return `"${cmd.name()}" has no option ${flag}`;
    }
    if ((option.required || option.optional) && !word.includes('=')) i++;
  }
  const needed = cmd.registeredArguments.filter((a) => a.required).length;
  if (positional.length < needed) return `"${cmd.name()}" needs ${needed} argument(s), got ${positional.length}`;
  const variadic = cmd.registeredArguments.some((a) => a.variadic);
  if (!variadic && positional.length > cmd.registeredArguments.length) return `"${cmd.name()}" takes ${cmd.registeredArguments.length} argument(s), got ${positional.length}: ${positional.join(' ')}`;
  return null;
}

const lines = shellLines(readme);

test('the README shows shell commands to check', () => {
  expect(lines.filter((l) => l.text.includes('npx trove')).length).toBeGreaterThan(30);
});

test('no README command runs a bare `trove` (it is not on PATH)', () => {
  const bare = lines.filter((l) => /(^|[\s;&(])trove\s/.test(l.text.replace(/npx trove/g, '')) || /^(\w+=\S+\s+)*trove\s/.test(l.text));
  expect(bare.map((l) => `README.md:${l.line}: ${l.text}`)).toEqual([]);
});

test('every `npx trove` command in the README names real subcommands, flags and arguments', () => {
  const program = buildProgram();
  const wrong = lines.flatMap((l) => {
    const all = words(l.text);
    const at = all.indexOf('npx');
    if (at < 0 || all[at + 1] !== 'trove') return [];
    const found = problem(program, all.slice(at + 2));
    return found ? [`README.md:${l.line}: ${found}`] : [];
  });
  expect(wrong).toEqual([]);
});
