/**
 * Temp dirs for a test file's scratch files (stores, generated tables), removed when the test
 * process exits: node --test runs each file in a process of its own, so no run leaves files in
 * the temp dir, whichever test made them and whether or not it closed what it opened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const dirs: string[] = [];

export function scratchDir(prefix = 'fanyi-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  if (!dirs.length) process.once('exit', () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  dirs.push(dir);
  return dir;
}
