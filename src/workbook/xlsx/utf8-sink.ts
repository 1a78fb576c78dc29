const CHUNK_CHARS = 16_384;

/**
 * Collects output pieces and encodes them to UTF-8 in chunks of a few thousand characters, so the
 * many small strings die young and no joined string is big enough to land in large-object space;
 * one join of the whole sheet made the patch twice as slow. Long pieces skip the join.
 */
export class Utf8Sink {
  #pieces: string[] = [];
  #length = 0;
  #chunks: Buffer[] = [];

  push(piece: string): void {
    if (piece.length === 0) return;
    if (piece.length >= CHUNK_CHARS) {
      this.#flush();
      this.#chunks.push(Buffer.from(piece, 'utf8'));
      return;
    }
    this.#pieces.push(piece);
    this.#length += piece.length;
    if (this.#length >= CHUNK_CHARS) this.#flush();
  }

  /** The chunks encoded so far, handed over (a stream writes them out); `all` encodes the pieces still joined too. */
  take(all = false): Buffer[] {
    if (all) this.#flush();
    const chunks = this.#chunks;
    this.#chunks = [];
    return chunks;
  }

  #flush(): void {
    if (this.#length === 0) return;
    this.#chunks.push(Buffer.from(this.#pieces.join(''), 'utf8'));
    this.#pieces = [];
    this.#length = 0;
  }
}
