import { after } from 'node:test';

/**
 * `open`, with whatever it opened closed when the file's tests end if a case did not close it.
 * A case closes its store as its last step, so a failing assertion skips that step; the store's
 * open pool would then keep the test file alive and the file would hang instead of failing.
 * Closing stays once per store: a case that closed its store is not closed again.
 */
export function closedAtEnd<T extends { close(): Promise<void> }>(open: () => Promise<T>): () => Promise<T> {
  const unclosed = new Set<T>();
  after(async () => {
    await Promise.allSettled([...unclosed].map((opened) => opened.close()));
  });
  return async () => {
    const opened = await open();
    const close = opened.close.bind(opened);
    unclosed.add(opened);
    opened.close = async () => {
      unclosed.delete(opened);
      await close();
    };
    return opened;
  };
}
