/**
 * Dedupe keys to numbers (a batch's sequence number), held compactly: a million-row job has ~2
 * million unique keys, and a Map of their strings held ~100 bytes each (the key, its hash string,
 * the entry). A key of the planner's form `<lang>:<26 hex digits of SHA-1>` is held as 64 bits of
 * its hash in an open-addressing table per language (12 bytes a slot, 3/8 to 3/4 of the slots
 * used: 16–32 bytes a key); two texts whose SHA-1s share their first 64 bits would be taken for
 * one (at two million keys a chance of about one in ten million). Any other key (tests, tools)
 * goes in an ordinary Map.
 */

/** Hex digits after the language in a hashed key (split-tasks.ts textHash). */
const HASH_DIGITS = 26;
const INITIAL_SLOTS = 1 << 10;

export class KeyTable {
  readonly #tables = new Map<string, HashTable>();
  readonly #other = new Map<string, number>();

  get size(): number {
    let size = this.#other.size;
    for (const table of this.#tables.values()) size += table.size;
    return size;
  }

  get(key: string): number | undefined {
    const colon = hashedKeyColon(key);
    if (colon < 0) return this.#other.get(key);
    return this.#tables.get(key.slice(0, colon))?.get(hexBits(key, colon + 1), hexBits(key, colon + 9));
  }

  /** `value` must be a positive integer below 2^31 (0 marks an empty slot). */
  set(key: string, value: number): void {
    const colon = hashedKeyColon(key);
    if (colon < 0) {
      this.#other.set(key, value);
      return;
    }
    const language = key.slice(0, colon);
    let table = this.#tables.get(language);
    if (!table) this.#tables.set(language, (table = new HashTable()));
    table.set(hexBits(key, colon + 1), hexBits(key, colon + 9), value);
  }
}

/**
 * Where the language ends in a key of the hashed form (`<lang>:` and 26 lower-case hex digits),
 * else -1. Read by char codes: this runs for every task, twice.
 */
function hashedKeyColon(key: string): number {
  const colon = key.length - HASH_DIGITS - 1;
  if (colon < 1 || key.charCodeAt(colon) !== 0x3a) return -1;
  for (let i = colon + 1; i < key.length; i++) if (hexValue(key.charCodeAt(i)) < 0) return -1;
  return colon;
}

/** Eight hex digits from `from` as an unsigned 32-bit number. */
function hexBits(key: string, from: number): number {
  let bits = 0;
  for (let i = from; i < from + 8; i++) bits = bits * 16 + hexValue(key.charCodeAt(i));
  return bits;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  return code >= 97 && code <= 102 ? code - 87 : -1;
}

/** Linear probing over 64-bit keys (two 32-bit halves), doubled at three quarters full. */
class HashTable {
  size = 0;
  #high = new Uint32Array(INITIAL_SLOTS);
  #low = new Uint32Array(INITIAL_SLOTS);
  #values = new Int32Array(INITIAL_SLOTS);

  get(high: number, low: number): number | undefined {
    const slot = this.#find(high, low);
    return this.#values[slot] === 0 ? undefined : this.#values[slot];
  }

  set(high: number, low: number, value: number): void {
    const slot = this.#find(high, low);
    if (this.#values[slot] === 0) this.size++;
    this.#high[slot] = high;
    this.#low[slot] = low;
    this.#values[slot] = value;
    if (this.size * 4 > this.#values.length * 3) this.#grow();
  }

  /** The key's slot, or the empty slot where it would go. */
  #find(high: number, low: number): number {
    const mask = this.#values.length - 1;
    let slot = low & mask;
    while (this.#values[slot] !== 0 && (this.#high[slot] !== high || this.#low[slot] !== low)) slot = (slot + 1) & mask;
    return slot;
  }

  #grow(): void {
    const [high, low, values] = [this.#high, this.#low, this.#values];
    this.#high = new Uint32Array(values.length * 2);
    this.#low = new Uint32Array(values.length * 2);
    this.#values = new Int32Array(values.length * 2);
    this.size = 0;
    for (let slot = 0; slot < values.length; slot++) if (values[slot] !== 0) this.set(high[slot], low[slot], values[slot]);
  }
}
