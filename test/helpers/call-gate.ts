/**
 * A proxy in front of the simulated provider that holds every chat call until each of a set of
 * string tables has one waiting, then lets everything through: jobs that must run at the same
 * time do, however slowly their processes start on a loaded machine.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StringTable } from './string-table.ts';

export interface Gate {
  baseUrl: string;
  /** True once a call of every table was waiting: from then on calls pass straight through. */
  readonly opened: boolean;
  close(): Promise<void>;
}

/** A proxy in front of the provider that holds every call until each table has one waiting. */
export async function startGate(target: string, tables: readonly StringTable[]): Promise<Gate> {
  const waiting: Array<{ table: number; release: () => void }> = [];
  let opened = false;
  // The texts travel as a JSON object inside the JSON string of the user message: quoted twice.
  const quoted = (text: string) => JSON.stringify(JSON.stringify(text)).slice(1, -1);
  const tableOf = (body: string) => tables.findIndex((table) => table.texts.some((text) => body.includes(quoted(text))));
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const table = tableOf(body.toString());
    // Calls that carry no table's text (a start-up check of the endpoint) pass at once.
    if (!opened && table >= 0) {
      const held = new Promise<void>((release) => waiting.push({ table, release }));
      if (tables.every((_, i) => waiting.some((w) => w.table === i))) {
        opened = true;
        for (const w of waiting) w.release();
      }
      await held;
    }
    const answer = await fetch(`${target.replace(/\/v1$/, '')}${req.url}`, { method: req.method, headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' }, body: req.method === 'GET' ? undefined : body });
    const headers = Object.fromEntries([...answer.headers].filter(([name]) => !['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)));
    res.writeHead(answer.status, headers);
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    get opened() {
      return opened;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
