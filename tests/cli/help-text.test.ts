import { runCli } from '../helpers/cli.js';

/** `--help` says what the commands do, as the README does. */
test('train --help says --send-to-review implies --label-noise (it does not need it)', async () => {
  const r = await runCli(['train', '--help']);
  const line = r.stdout.split('\n').find((l) => l.includes('--send-to-review'));

  expect(r.code).toBe(0);
  expect(line).toContain('(implies --label-noise)');
  expect(line).not.toContain('with --label-noise');
});
