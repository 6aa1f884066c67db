import { CommanderError } from 'commander';
import { reportFailure } from './context.js';
import { buildProgram } from './program.js';

// `trove items export … | head -1` closes stdout early: the reader has what it wanted, so the
// command ends quietly and successfully instead of failing on its next write.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  process.exit(err.code === 'EPIPE' ? 0 : reportFailure(err));
});

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.exitCode = reportFailure(err);
  }
}

await main(process.argv);
