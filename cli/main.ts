// The `aiops` command line: one binary, many roles (Loki's -target idea), each a subcommand.
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { AiopsError } from '../platform/errors/aiops-error.js';

// `aiops templates --in big.log | head`: a reader that stops early is a normal end, not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

const program = new Command();
program
  .name('aiops')
  .description('AIOps analytics pipeline: ingest, detect, correlate, sink, query.')
  .version('0.1.0')
  .showHelpAfterError()
  .addHelpText('after', '\nEach command lists its own options: aiops <command> --help')
  .exitOverride();

try {
  // Only the invoked command's module is imported (see commands/index.ts).
  await registerCommands(program, process.argv.slice(2));
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else if (err instanceof AiopsError) {
    process.stderr.write(`error ${err.code}: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
