import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Keeps a job's source file under `<filesDir>/sources/`, named by a hash of its bytes, so resume
 * and export never need the original. `excelId` is that hash (the tasks' source id).
 */
export async function keepSource(filesDir: string, file: string): Promise<{ sourcePath: string; excelId: string }> {
  const bytes = await readFile(file);
  const excelId = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
  const dir = path.join(filesDir, 'sources');
  await mkdir(dir, { recursive: true });
  const sourcePath = path.join(dir, `${excelId}${path.extname(file).toLowerCase() || '.bin'}`);
  // Content-addressed: a file already kept is the same bytes, and the bytes are in hand anyway.
  // Written under a temporary name and renamed, so a crash never leaves a partial file there.
  // Each writer has its own temporary name: two jobs from the same bytes at once (the API) both
  // rename onto the same content, and whichever lands last leaves identical bytes.
  if (!existsSync(sourcePath)) {
    const temporary = `${sourcePath}.tmp-${process.pid}-${randomUUID()}`;
    await writeFile(temporary, bytes);
    await rename(temporary, sourcePath);
  }
  return { sourcePath, excelId };
}
