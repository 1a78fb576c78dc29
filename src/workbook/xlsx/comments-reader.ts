/** A comments part (`xl/commentsN.xml`) as cell reference → note text, read as a stream. */
import { RichTextReader } from './rich-text-reader.ts';
import type { XmlHandler } from './xml-stream.ts';

export class CommentsReader implements XmlHandler {
  readonly notes = new Map<string, string>();
  #ref: string | undefined;
  #text = new RichTextReader();

  get wantsText(): boolean {
    return this.#ref !== undefined && this.#text.wantsText;
  }

  open(name: string, attributes: Readonly<Record<string, string>>): void {
    if (name === 'comment') {
      this.#ref = attributes.ref;
      this.#text.take();
    } else this.#text.open(name);
  }

  close(name: string): void {
    if (name !== 'comment') return this.#text.close(name);
    const text = this.#text.take();
    if (this.#ref && text) this.notes.set(this.#ref, text);
    this.#ref = undefined;
  }

  text(text: string): void {
    this.#text.text(text);
  }
}
