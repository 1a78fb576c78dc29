/**
 * One `fanyi translate … --json` run of the real CLI against a simulated provider of its own,
 * answering with `translate`: what the QA and review e2e tests each start several of.
 */
import path from 'node:path';
import { parseSingleJson, providerFlags, runCli, type CliResult } from './fanyi-cli.ts';
import { startSimulatedProvider, type SimulatedProvider, type SimulatedProviderOptions } from './simulated-provider.ts';

export interface TranslateRun {
  result: CliResult;
  /** The `--json` summary ({} when nothing was printed). */
  summary: Record<string, any>;
  out: string;
  db: string;
  /** Still running: the caller closes it (its stats are the test's evidence). */
  provider: SimulatedProvider;
}

/** Output `<dir>/<name>.xlsx` and database `<dir>/<name>.db`, so runs side by side share nothing. */
export async function translateRun(options: { dir: string; input: string; name: string; translate: SimulatedProviderOptions['translate']; to?: string; extra?: string[]; obeyInstructions?: boolean }): Promise<TranslateRun> {
  const { dir, input, name, translate, to = 'pt-BR', extra = [], obeyInstructions } = options;
  const provider = await startSimulatedProvider({ apiKey: 'test-key', translate, obeyInstructions });
  const out = path.join(dir, `${name}.xlsx`);
  const db = path.join(dir, `${name}.db`);
  const result = await runCli(['translate', input, '--to', to, '--out', out, '--db', db, '--json', ...providerFlags(provider.baseUrl), ...extra], { cwd: dir });
  return { result, summary: result.stdout ? parseSingleJson(result.stdout) : {}, out, db, provider };
}
