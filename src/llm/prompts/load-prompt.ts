import { readFileSync } from 'node:fs';

const cache = new Map<string, string>();

/** Loads `prompts/<name>.md` once, without its leading `<!-- … -->` header. */
export function loadPrompt(name: string): string {
  let template = cache.get(name);
  if (template === undefined) {
    const raw = readFileSync(new URL(`./${name}.md`, import.meta.url), 'utf8');
    template = raw.replace(/^<!--[\s\S]*?-->\s*/, '');
    cache.set(name, template);
  }
  return template;
}

/** Fills `${var}` slots (not `{{…}}`, which is a placeholder style the prompt itself mentions); unknown slots are an error in the template, not in the data. */
export function renderPrompt(name: string, vars: Record<string, string>): string {
  return loadPrompt(name)
    .replace(/\$\{(\w+)\}\n?/g, (slot, key: string) => {
      if (!(key in vars)) throw new Error(`prompt ${name}: no value for ${'${'}${key}}`);
      const value = vars[key];
      return slot.endsWith('\n') ? (value ? `${value}\n` : '') : value;
    })
    .trimEnd();
}
