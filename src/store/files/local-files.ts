import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FanyiError } from '../../errors.ts';
import type { StoredFile } from './file-store.ts';

/** A file id: 64 hex digits and a short extension. Checked before any id becomes part of a path. */
const FILE_ID = /^[0-9a-f]{64}\.[a-z0-9]{1,10}$/;
const EXTENSION = /^\.[a-z0-9]{1,10}$/;

export function isFileId(id: string): boolean {
  return FILE_ID.test(id);
}

export function assertFileId(id: string): void {
  if (!isFileId(id)) throw new FanyiError('FILE_NOT_FOUND', `'${id.slice(0, 100)}' is not a stored file id`);
}

/** The extension an id gets: the one given or the path's, lower case; `.bin` when none is usable. */
export function fileExtension(source: string | Readable, ext?: string): string {
  const given = (ext ?? (typeof source === 'string' ? path.extname(source) : '')).toLowerCase();
  return EXTENSION.test(given) ? given : '.bin';
}

/** A file being written under a temporary name in `dir`, hashed on the way. */
export interface StagedFile extends StoredFile {
  temporary: string;
}

/**
 * Copies `source` to a temporary file in `dir`, hashing it as it goes. Each writer has its own
 * temporary name, so two processes staging the same bytes never write into one file.
 */
export async function stageFile(dir: string, source: string | Readable, ext: string): Promise<StagedFile> {
  await mkdir(dir, { recursive: true });
  const temporary = temporaryPath(dir);
  const hash = createHash('sha256');
  let size = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const input = typeof source === 'string' ? createReadStream(source) : source;
  try {
    await pipeline(input, counting, createWriteStream(temporary));
  } catch (error) {
    await rm(temporary, { force: true });
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && typeof source === 'string') throw new FanyiError('FILE_NOT_FOUND', `no file ${source}`, { cause: error });
    throw error;
  }
  const sha256 = hash.digest('hex');
  return { id: `${sha256}${ext}`, sha256, size, temporary };
}

/**
 * Moves a staged file to its final name. The rename is atomic, so a reader never sees a partial
 * file there; content addressing makes a file already there the same bytes, and whichever rename
 * lands last leaves identical bytes.
 */
export async function settle(temporary: string, final: string): Promise<void> {
  await rename(temporary, final);
}

/** Writes `chunks` to a temporary file in `dir`, then checks them against the expected hash and size before settling at `final`. */
export async function materialise(dir: string, final: string, expected: { sha256: string; size: number }, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const staged = await stageFile(dir, Readable.from(chunks), '.bin');
  if (staged.sha256 !== expected.sha256 || staged.size !== expected.size) {
    await rm(staged.temporary, { force: true });
    throw new Error(`stored file ${path.basename(final)} is damaged: read ${staged.size} bytes hashing to ${staged.sha256}, expected ${expected.size} bytes hashing to ${expected.sha256}`);
  }
  await settle(staged.temporary, final);
}

function temporaryPath(dir: string): string {
  return path.join(dir, `.tmp-${process.pid}-${randomUUID()}`);
}
