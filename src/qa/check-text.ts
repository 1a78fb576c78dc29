import { flag, type QaFlag } from './qa-flags.ts';

/**
 * Leading and trailing whitespace must be the same: tables pad cells to align columns or to
 * build a sentence from pieces ("Score: " + value, " minutes" after a number), and a trimmed or
 * added space shows in the UI. Compared exactly, except that CRLF and LF are the same break, and
 * that a plain space next to Chinese or Japanese on either side may come or go ("5 minutes" →
 * "5分", a stray space after "！" in a Japanese source): they do not put spaces between words.
 */
export function checkWhitespace(source: string, target: string): QaFlag[] {
  const [src, tgt] = [source.replace(/\r\n?/g, '\n'), target.replace(/\r\n?/g, '\n')];
  const sides: string[] = [];
  // trimStart/trimEnd strip what \s matches; a /\s*$/ scan would be quadratic on long cells.
  const [srcStart, tgtStart, srcEnd, tgtEnd] = [src.trimStart(), tgt.trimStart(), src.trimEnd(), tgt.trimEnd()];
  const leading = (text: string, trimmed: string) => text.slice(0, text.length - trimmed.length);
  if (!sameEdge(leading(src, srcStart), leading(tgt, tgtStart), [srcStart[0], tgtStart[0]])) sides.push('leading');
  if (!sameEdge(src.slice(srcEnd.length), tgt.slice(tgtEnd.length), [srcEnd.at(-1), tgtEnd.at(-1)])) sides.push('trailing');
  if (!sides.length) return [];
  return [flag('whitespace_differs', `${sides.join(' and ')} whitespace differs from the source`)];
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff00-\uffef]/u;

function sameEdge(want: string, got: string, neighbours: Array<string | undefined>): boolean {
  if (want === got) return true;
  const isSpaceOnly = (want === '' && /^ +$/.test(got)) || (got === '' && /^ +$/.test(want));
  return isSpaceOnly && neighbours.some((char) => !!char && CJK.test(char));
}

/** Signs that text went through a wrong encoding: U+FFFD, runs of `?` for lost characters, UTF-8 read as Latin-1. */
const CORRUPTION = [/\uFFFD/, /[?？]{3,}/, /Ã[\u0080-\u00BF]|â€[™œ\u009d“”˜¦]|ï¼|ã[\u0080-\u00BF]{2}/];

/** Text the source does not explain (a source with `???` may mean it) that looks mangled by an encoding. */
export function checkCorruption(source: string, target: string): QaFlag[] {
  const hit = CORRUPTION.find((pattern) => pattern.test(target) && !pattern.test(source));
  if (!hit) return [];
  const sample = hit.exec(target)![0];
  return [flag('corrupt_text', `looks corrupted by a wrong encoding ('${sample}')`, { extra: [sample] })];
}
