/**
 * A small ICU MessageFormat reader: just enough structure to compare a translation with its
 * source (argument names, plural/select keys, nesting). Branch texts are not interpreted.
 * Apostrophe quoting follows ICU: `'{'` is a literal brace, `''` an apostrophe.
 */

/** A `{name, plural|selectordinal|select, …}` argument and its branches. */
export interface IcuChoice {
  name: string;
  type: 'plural' | 'selectordinal' | 'select';
  /** Branch keys in order: `one`, `other`, `=0`, `male`… */
  keys: string[];
  /** Arguments inside the branches (nested choices). */
  nested: IcuChoice[];
  /** Names of simple arguments (`{name}`) anywhere inside the branches. */
  simpleArgs: string[];
}

export interface IcuMessage {
  choices: IcuChoice[];
  simpleArgs: string[];
}

const CHOICE_START = /\{\s*[\p{L}\p{N}_]+\s*,\s*(?:plural|selectordinal|select)\s*,/u;

/** True when `text` has a plural/select argument, i.e. is worth reading as ICU at all. */
export function hasIcuChoice(text: string): boolean {
  return CHOICE_START.test(text);
}

class IcuSyntaxError extends Error {}

/** The structure of `text`, or `undefined` when braces do not form a valid ICU message. */
export function parseIcu(text: string): IcuMessage | undefined {
  try {
    const reader = new Reader(text);
    const message = reader.message(false);
    return reader.atEnd() ? message : undefined;
  } catch (error) {
    if (error instanceof IcuSyntaxError) return undefined;
    throw error;
  }
}

class Reader {
  #pos = 0;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  atEnd(): boolean {
    return this.#pos >= this.#text.length;
  }

  /** Text and arguments up to the end, or up to the `}` closing a branch when `isBranch`. */
  message(isBranch: boolean): IcuMessage {
    const message: IcuMessage = { choices: [], simpleArgs: [] };
    while (!this.atEnd()) {
      const char = this.#text[this.#pos];
      if (char === "'") this.#skipQuoted();
      else if (char === '}') {
        if (isBranch) return message;
        throw new IcuSyntaxError('unbalanced }');
      } else if (char === '{') this.#argument(message);
      else this.#pos++;
    }
    if (isBranch) throw new IcuSyntaxError('unclosed branch');
    return message;
  }

  /** `'{'`, `'{…}'` and `''` are literals in ICU; a lone apostrophe is just an apostrophe. */
  #skipQuoted(): void {
    const next = this.#text[this.#pos + 1];
    if (next === "'") this.#pos += 2;
    else if (next === '{' || next === '}' || next === '#' || next === '|') {
      const close = this.#text.indexOf("'", this.#pos + 1);
      this.#pos = close < 0 ? this.#text.length : close + 1;
    } else this.#pos++;
  }

  #argument(into: IcuMessage): void {
    this.#pos++; // {
    const name = this.#word();
    if (!name) throw new IcuSyntaxError('argument without a name');
    this.#spaces();
    if (this.#eat('}')) {
      into.simpleArgs.push(name);
      return;
    }
    if (!this.#eat(',')) throw new IcuSyntaxError('expected , or }');
    const type = this.#word();
    this.#spaces();
    if (type === 'plural' || type === 'selectordinal' || type === 'select') {
      if (!this.#eat(',')) throw new IcuSyntaxError('expected , after the type');
      into.choices.push(this.#branches(name, type));
    } else {
      this.#skipStyle(); // {n, number, ::currency/EUR}, {d, date, short}
      into.simpleArgs.push(name);
    }
  }

  #branches(name: string, type: IcuChoice['type']): IcuChoice {
    const choice: IcuChoice = { name, type, keys: [], nested: [], simpleArgs: [] };
    for (;;) {
      this.#spaces();
      if (this.#eat('}')) break;
      const key = this.#key();
      if (key.startsWith('offset:')) continue;
      this.#spaces();
      if (!this.#eat('{')) throw new IcuSyntaxError(`branch ${key} has no {message}`);
      const body = this.message(true);
      this.#pos++; // the branch's }
      choice.keys.push(key);
      choice.nested.push(...body.choices);
      choice.simpleArgs.push(...body.simpleArgs);
    }
    if (!choice.keys.length) throw new IcuSyntaxError('choice without branches');
    return choice;
  }

  #skipStyle(): void {
    let depth = 1;
    while (!this.atEnd() && depth > 0) {
      const char = this.#text[this.#pos++];
      if (char === '{') depth++;
      else if (char === '}') depth--;
    }
    if (depth > 0) throw new IcuSyntaxError('unclosed argument');
  }

  #key(): string {
    const match = /^(?:offset:\s*\d+|=\s*-?\d+(?:\.\d+)?|[^\s{}]+)/u.exec(this.#text.slice(this.#pos));
    if (!match) throw new IcuSyntaxError('expected a branch key');
    this.#pos += match[0].length;
    return match[0].replace(/\s+/g, '');
  }

  #word(): string {
    this.#spaces();
    const match = /^[\p{L}\p{N}_]+/u.exec(this.#text.slice(this.#pos, this.#pos + 200));
    if (match) this.#pos += match[0].length;
    return match?.[0] ?? '';
  }

  #spaces(): void {
    while (/\s/.test(this.#text[this.#pos] ?? '')) this.#pos++;
  }

  #eat(char: string): boolean {
    if (this.#text[this.#pos] !== char) return false;
    this.#pos++;
    return true;
  }
}
