/** sharedStrings.xml as an array of texts, read as a stream (see RichTextReader for what a text is). */
import { RichTextReader } from './rich-text-reader.ts';
import { detached, type XmlHandler } from './xml-stream.ts';

export class SharedStringsReader implements XmlHandler {
  readonly strings: string[] = [];
  #item: RichTextReader | undefined;

  get wantsText(): boolean {
    return this.#item?.wantsText ?? false;
  }

  open(name: string): void {
    if (name === 'si') this.#item = new RichTextReader();
    else this.#item?.open(name);
  }

  close(name: string): void {
    if (name !== 'si') return this.#item?.close(name);
    this.strings.push(detached(this.#item!.take()));
    this.#item = undefined;
  }

  text(text: string): void {
    this.#item?.text(text);
  }
}
