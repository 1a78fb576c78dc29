import { readFileSync } from 'node:fs';

const cache = new Map<string, string>();

/** Loads `prompts/<name>.md` once, without its leading `<!-- … -->` header. */
export function loadPrompt(name: string): string {
  let template = cache.get(name);
  if (template === undefined) {
    template = stripHeader(readFileSync(new URL(`./${name}.md`, import.meta.url), 'utf8'));
    cache.set(name, template);
  }
  return template;
}

/** A template file's text without its leading `<!-- … -->` header (the header documents the inputs and is never sent). */
export function stripHeader(raw: string): string {
  return raw.replace(/^\uFEFF?<!--[\s\S]*?-->\s*/, '');
}

/** Fills the `${var}` slots of the named built-in template; see fillTemplate. */
export function renderPrompt(name: string, vars: Record<string, string>): string {
  return fillTemplate(name, loadPrompt(name), vars);
}

/**
 * Fills `${var}` slots (not `{{…}}`, which is a placeholder style the prompt itself mentions); an
 * empty slot takes its following line break with it, so a slot on a line of its own leaves no
 * blank line. Unknown slots are an error in the template (named `name`), not in the data.
 */
export function fillTemplate(name: string, template: string, vars: Record<string, string>): string {
  return template
    .replace(/\$\{(\w+)\}\n?/g, (slot, key: string) => {
      if (!(key in vars)) throw new Error(`prompt ${name}: no value for ${'${'}${key}}`);
      const value = vars[key];
      return slot.endsWith('\n') ? (value ? `${value}\n` : '') : value;
    })
    .trimEnd();
}

/** The `${var}` slots a template uses, in order of first use. */
export function templateSlots(template: string): string[] {
  return [...new Set([...template.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]))];
}
