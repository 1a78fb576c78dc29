/**
 * Collects the text of string items (`<si>` in sharedStrings.xml, `<is>` inline, `<text>` of a
 * comment): every `<t>` run joined, phonetic guides (`<rPh>`, furigana) left out as Excel shows them.
 */
export class RichTextReader {
  #parts: string[] = [];
  #inT = false;
  #phonetic = 0;

  get wantsText(): boolean {
    return this.#inT && this.#phonetic === 0;
  }

  open(name: string): void {
    if (name === 't') this.#inT = true;
    else if (name === 'rPh') this.#phonetic++;
  }

  close(name: string): void {
    if (name === 't') this.#inT = false;
    else if (name === 'rPh') this.#phonetic--;
  }

  text(text: string): void {
    this.#parts.push(text);
  }

  /** The joined text so far, and a fresh start. */
  take(): string {
    const text = this.#parts.length === 1 ? this.#parts[0] : this.#parts.join('');
    this.#parts = [];
    this.#inT = false;
    this.#phonetic = 0;
    return text;
  }
}
