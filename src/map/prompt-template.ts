/**
 * A map job's prompt template: Markdown naming the row's columns as `${Column Header}`. Many rows
 * go in one call, so the template is sent once, as instructions, with each `${Column}` written
 * `[Column]` (the system prompt says that means the row's field); the rows' values travel in the
 * user message as JSON.
 */
import { FanyiError } from '../errors.ts';

const SLOT = /\$\{([^}\n]+)\}/g;

/** The column headers the template names, in order of first use. */
export function templateColumns(template: string): string[] {
  return [...new Set([...template.matchAll(SLOT)].map((m) => m[1].trim()))];
}

/** The template as sent: `${Text}` → `[Text]`, its leading `<!-- … -->` header (if any) left out. */
export function renderInstructions(template: string): string {
  return template
    .replace(/^\uFEFF?<!--[\s\S]*?-->\s*/, '')
    .replace(SLOT, (_, name: string) => `[${name.trim()}]`)
    .trim();
}

/**
 * The columns each row sends: `--columns` when given (it must hold every column the template
 * names), else the template's. Throws a usage error naming what is missing.
 */
export function sentColumns(template: string, columns: readonly string[] | undefined): string[] {
  const named = templateColumns(template);
  if (!columns?.length) {
    if (!named.length) throw new FanyiError('USAGE', 'the prompt names no column: write the row\'s columns into it as ${Column Header} (e.g. ${Text}), or list them with --columns');
    return named;
  }
  const missing = named.filter((name) => !columns.includes(name));
  if (missing.length) throw new FanyiError('USAGE', `the prompt names ${missing.map((m) => `\${${m}}`).join(', ')}, which --columns leaves out; add ${missing.length > 1 ? 'them' : 'it'} to --columns`);
  return [...new Set(columns)];
}
