import { runCli } from '../helpers/cli.js';

/** `--help` says what the commands do, as the README does. */
test('train --help says --send-to-review implies --label-noise (it does not need it)', async () => {
  const r = await runCli(['train', '--help']);
  // commander wraps descriptions to the terminal width: read the option's text as one line.
  const description = /--send-to-review\s+(.*?)\s+-h, --help/s.exec(r.stdout)?.[1].replace(/\s+/g, ' ');

  expect(r.code).toBe(0);
  expect(description).toContain('(implies --label-noise)');
  expect(description).not.toContain('with --label-noise');
});
