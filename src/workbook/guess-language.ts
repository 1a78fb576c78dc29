/**
 * Guessing a column's language from its cells, for columns whose header names none. Only what
 * the text shows with confidence is guessed: a script, Vietnamese diacritics, Traditional vs
 * Simplified characters, clearly English sentences.
 */
import { countScripts, detectScript, MARKUP, type ScriptName } from './scripts.ts';

/** The language a script alone identifies; Latin and Han need a closer look. */
const SCRIPT_LANGUAGE: Readonly<Partial<Record<ScriptName, string>>> = {
  Thai: 'th', Jpan: 'ja', Hang: 'ko', Cyrl: 'ru', Arab: 'ar', Hebr: 'he', Grek: 'el', Deva: 'hi', Beng: 'bn',
  Guru: 'pa', Gujr: 'gu', Taml: 'ta', Telu: 'te', Knda: 'kn', Mlym: 'ml', Sinh: 'si', Laoo: 'lo', Mymr: 'my',
  Khmr: 'km', Geor: 'ka', Armn: 'hy', Ethi: 'am',
};

/** Share of samples that must agree, and the fewest samples worth guessing from. */
const MIN_AGREEMENT = 0.6;
const MIN_SAMPLES = 3;

/** Letters only Vietnamese uses (đ is left out: Croatian and Serbian Latin have it too). */
const VIETNAMESE = /[ơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/iu;

/** Pairs of traditional/simplified characters frequent in UI text; same position, same character. */
const TRADITIONAL = new Set('們這說個來時會對國學麼為爲與還後開關點進門問長東車見從業體發經動實機題電當種設無選擇戰鬥寶裝備級務數讀錯誤請確認載');
const SIMPLIFIED = new Set('们这说个来时会对国学么为为与还后开关点进门问长东车见从业体发经动实机题电当种设无选择战斗宝装备级务数读错误请确认载');

/** English function words, and frequent function words of other Latin-script languages that rule English out. */
const ENGLISH_WORDS = new Set(
  'the and of is are you your this that with have has from for not it can be been were they their there what which please would should could into our we'.split(' '),
);
const OTHER_WORDS = new Set(
  ('le la les des du et est une un pour avec dans vous votre ce cette qui que pas sur el los las y es del por con para su una se ' +
    'der die das und ist nicht ein eine mit zu den dem sie ich auf für il di che per non lo gli sono della o e é em não com uma os da ' +
    'ao het een van en zijn op niet och att är på det og er jeg ikke nie się jest na w z że je ve bir bu için ile de').split(' '),
);

/**
 * A language guessed from a column's cells when its header says nothing: the script most cells
 * share (at least 60% of at least 3 cells with letters), then Vietnamese by its diacritics,
 * Traditional vs Simplified Chinese by common characters, and English only when the cells are
 * clearly English sentences. Undefined when unsure; other Latin languages are never guessed.
 */
export function guessLanguageFromTexts(texts: string[]): string | undefined {
  const samples = texts.map((text) => text.normalize('NFC')).filter((text) => letterCount(text) >= 2);
  if (samples.length < MIN_SAMPLES) return undefined;
  const scripts = withKanjiAsJapanese(samples.map(detectScript));
  const script = majority(scripts);
  if (!script) return undefined;
  const same = samples.filter((_, i) => scripts[i] === script);
  if (script === 'Latn') return latinLanguage(same);
  if (script === 'Hani') return chineseVariant(same);
  return SCRIPT_LANGUAGE[script];
}

/**
 * Japanese columns mix kana cells with kanji-only ones ("剣", "魔法使い"); Chinese never uses
 * kana, so once a fifth of the Han cells have some, all of them count as Japanese.
 */
function withKanjiAsJapanese(scripts: Array<ScriptName | undefined>): Array<ScriptName | undefined> {
  const japanese = scripts.filter((script) => script === 'Jpan').length;
  const han = japanese + scripts.filter((script) => script === 'Hani').length;
  return japanese > 0 && japanese >= 0.2 * han ? scripts.map((script) => (script === 'Hani' ? 'Jpan' : script)) : scripts;
}

function letterCount(text: string): number {
  let count = 0;
  for (const [, n] of countScripts(text)) count += n;
  return count;
}

function majority<T>(values: ReadonlyArray<T | undefined>): T | undefined {
  const counts = new Map<T, number>();
  for (const value of values) if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  for (const [value, count] of counts) if (count >= MIN_AGREEMENT * values.length) return value;
  return undefined;
}

function latinLanguage(samples: string[]): string | undefined {
  const vietnamese = samples.filter((text) => VIETNAMESE.test(text)).length;
  if (vietnamese >= MIN_AGREEMENT * samples.length) return 'vi';
  const votes = samples.map(englishVote);
  const english = votes.filter((vote) => vote === 'en').length;
  const voting = english + votes.filter((vote) => vote === 'other').length;
  // Short UI labels have no function words; the sentences that do must be English and not a stray few.
  const isEnglish = english >= MIN_SAMPLES && english >= MIN_AGREEMENT * voting && voting * 10 >= samples.length;
  return isEnglish ? 'en' : undefined;
}

function englishVote(text: string): 'en' | 'other' | undefined {
  const plain = text.replace(MARKUP, ' ');
  // Accented Latin letters point away from English ("café" costs one vote, not a misguess).
  if (/[^\x00-\x7f]/.test(plain.replace(/[^\p{Script=Latin}]/gu, ''))) return 'other';
  let [english, other] = [0, 0];
  for (const word of plain.toLowerCase().match(/\p{L}+/gu) ?? []) {
    if (ENGLISH_WORDS.has(word)) english++;
    else if (OTHER_WORDS.has(word)) other++;
  }
  if (english > other) return 'en';
  return other > english ? 'other' : undefined;
}

function chineseVariant(samples: string[]): string {
  let [traditional, simplified] = [0, 0];
  for (const char of samples.join('')) {
    if (TRADITIONAL.has(char)) traditional++;
    else if (SIMPLIFIED.has(char)) simplified++;
  }
  return traditional > 0 && traditional >= 2 * simplified ? 'zh-TW' : 'zh-CN';
}
