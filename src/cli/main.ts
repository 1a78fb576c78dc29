import { Command, CommanderError } from 'commander';
import { isFanyiError } from '../errors.ts';
import { registerCheck } from './commands/check.ts';
import { registerEstimate } from './commands/estimate.ts';
import { registerJobCommands } from './commands/jobs.ts';
import { registerMap } from './commands/map.ts';
import { registerPurge } from './commands/purge.ts';
import { registerReport } from './commands/report.ts';
import { registerServe } from './commands/serve.ts';
import { registerTranslate } from './commands/translate.ts';
import { registerWorkerCommands } from './commands/worker.ts';
import { EXIT } from './exit-codes.ts';

/** Runs the CLI; resolves to the exit code instead of exiting, so tests can call it in-process. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.OK;
  const program = new Command()
    .name('fanyi')
    .description('Translate spreadsheets and string tables with LLMs as durable batch jobs')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      outputError: (text, write) => write(text.replace(/^error: /, 'fanyi: ')),
    });
  const exit = (value: number) => {
    code = value;
  };
  registerTranslate(program, exit);
  registerMap(program, exit);
  registerEstimate(program, exit);
  registerJobCommands(program, exit);
  registerReport(program, exit);
  registerServe(program, exit);
  registerCheck(program, exit);
  registerWorkerCommands(program, exit);
  registerPurge(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    return failure(error);
  }
}

function failure(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version exit 0; commander already printed its message.
    return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  if (isFanyiError(error)) {
    process.stderr.write(`fanyi: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`fanyi: internal error: ${message}\n`);
  if (process.env.FANYI_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write('(set FANYI_DEBUG=1 for the stack trace, and please report it)\n');
  return EXIT.INTERNAL;
}
