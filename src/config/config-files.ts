import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { FanyiError } from '../errors.ts';

/**
 * A YAML (or JSON: YAML is a superset) file's value; an empty file is `{}`. A file that does not
 * parse is a config error naming the file and the parser's first line.
 */
export function readYaml(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8')) ?? {};
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0].replace(/:\s*$/, '') : String(error);
    throw new FanyiError('CONFIG_INVALID', `${path.basename(file)} is not valid YAML: ${reason}`);
  }
}

/** "llm.batch_control.max_batch_size: expected number, got 'x'" — names the option and the bad value. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const where = issue.path.length ? issue.path.join('.') : '(top level)';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}
