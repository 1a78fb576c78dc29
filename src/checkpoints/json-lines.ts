import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** The objects of a JSON-lines file, one at a time. */
export async function* readJsonLines<T>(file: string): AsyncGenerator<T> {
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (line) yield JSON.parse(line) as T;
}

/** Objects as JSON lines, one string per object (a Readable.from source). */
export async function* jsonLines(rows: AsyncIterable<object>): AsyncGenerator<string> {
  for await (const row of rows) yield `${JSON.stringify(row)}\n`;
}
