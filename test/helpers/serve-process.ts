/** The real `fanyi serve` as a child process (fanyi-cli.ts), for tests that need it as a process of its own. */
import type { CliProcess } from './fanyi-cli.ts';

/** The URL the server prints once it listens; throws if it exits first or takes over 30 s. */
export async function listeningUrl(serve: CliProcess): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const match = /listening on (http:\/\/\S+)/.exec(serve.output.stdout);
    if (match) return match[1];
    if (serve.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fanyi serve did not start\nstderr: ${serve.output.stderr}`);
}
