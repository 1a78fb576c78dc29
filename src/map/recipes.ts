import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { resolveClassTable } from '../config/class-presets.ts';
import type { ClassTable } from '../config/class-table-schema.ts';
import { describeIssues } from '../config/config-files.ts';
import { FanyiError, isFanyiError } from '../errors.ts';
import { stripHeader } from '../llm/prompts/load-prompt.ts';
import { parseExamples, type RecipeExample } from './map-examples.ts';

/**
 * Recipes: seed 003's review analysis as files a user can copy and edit (`recipes/<name>/`):
 * `recipe.json` (what the job needs), `prompt.md` (the template), `schema.json` (one row's
 * result), and for recipes whose class table has a few-shot class, `examples.json`.
 * `--recipe NAME` names a built-in one, `--recipe DIR` a copy.
 */

/** The lanes a recipe may ask for (seed 003's queues that call a model). */
export const RECIPE_LANES = ['translation', 'insight_extraction', 'theme_extraction', 'learning'] as const;
export type RecipeLane = (typeof RECIPE_LANES)[number];

const recipeFile = z
  .object({
    description: z.string().min(1),
    /** The row's columns the prompt reads (and the call sends). */
    columns: z.array(z.string().min(1)).min(1),
    /** Class table (preset name or a file relative to the recipe); unset: every row packed by budget. */
    classes: z.string().min(1).optional(),
    lane: z.enum(RECIPE_LANES),
    /** Map groups of rows with this column's value in common, one result per group. */
    groupBy: z.string().min(1).optional(),
    /** The recipe needs `--to`: its prompt names `${to}`. */
    to: z.boolean().optional(),
  })
  .strict();

/** A loaded recipe, checked: its prompt names only its columns (and `${to}` when it needs `--to`). */
export interface Recipe {
  name: string;
  /** The recipe's folder (relative files in it, such as a class table, resolve from here). */
  dir: string;
  description: string;
  /** prompt.md without its header comment; `${to}` still a slot (see recipePrompt). */
  prompt: string;
  /** schema.json: the JSON Schema of one row's (one group's) result. */
  schema: Record<string, unknown>;
  columns: string[];
  /** recipe.json's `classes` as written, and the table it names. */
  classes?: string;
  classTable?: ClassTable;
  lane: RecipeLane;
  groupBy?: string;
  /** The prompt names `${to}`, so the job needs `--to`. */
  needsTo: boolean;
  /** examples.json (the few-shot style's worked examples); [] when there is none. */
  examples: RecipeExample[];
}

/** The built-in recipes' folder: `recipes/` at the package root, beside `dist/` (bundle) and two up from src/map/. */
const BUILT_IN_DIR = ['../recipes/', '../../recipes/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url))).find((dir) => existsSync(path.join(dir, 'review-insights')));

/** Names of the built-in recipes. */
export function builtInRecipes(): string[] {
  if (!BUILT_IN_DIR) return [];
  return readdirSync(BUILT_IN_DIR)
    .filter((name) => existsSync(path.join(BUILT_IN_DIR, name, 'recipe.json')))
    .sort();
}

/**
 * `--recipe NAME|DIR`: a built-in recipe by name, else a folder (relative to `cwd`) laid out like
 * one. A missing recipe is a usage error listing the built-in ones; a bad file a config error
 * naming it.
 */
export function loadRecipe(nameOrDir: string, cwd = process.cwd()): Recipe {
  const dir = findRecipe(nameOrDir, cwd);
  const where = (file: string) => `recipe ${nameOrDir}: ${file}`;
  const meta = parseWith(recipeFile, readJson(dir, 'recipe.json', where), where('recipe.json'));
  const prompt = stripHeader(readText(dir, 'prompt.md', where));
  const needsTo = meta.to ?? false;
  checkSlots(prompt, meta.columns, needsTo, where('prompt.md'));
  const schema = readJson(dir, 'schema.json', where);
  if (!isObjectSchema(schema)) throw new FanyiError('CONFIG_INVALID', `${where('schema.json')}: expected a JSON Schema of an object ({"type": "object", "properties": …})`);
  const examples = existsSync(path.join(dir, 'examples.json')) ? parseExamples(readJson(dir, 'examples.json', where), where('examples.json')) : [];
  return {
    name: path.basename(dir),
    dir,
    description: meta.description,
    prompt,
    schema,
    columns: meta.columns,
    classes: meta.classes,
    classTable: meta.classes === undefined ? undefined : classTableOf(meta.classes, dir, where('recipe.json')),
    lane: meta.lane,
    groupBy: meta.groupBy,
    needsTo,
    examples,
  };
}

/** The `${…}` slots of a template in order of first use; a slot may name a header with spaces (`${Product Name}`). */
export function promptSlots(template: string): string[] {
  return [...new Set([...template.matchAll(/\$\{([^}\n]+)\}/g)].map((m) => m[1]))];
}

/**
 * The recipe's prompt for a job: `${to}` filled with the target language (a recipe that needs it
 * without one is a usage error), every other slot left for the map command (`${Column}`).
 */
export function recipePrompt(recipe: Pick<Recipe, 'name' | 'prompt' | 'needsTo'>, to?: string): string {
  if (!recipe.needsTo) return recipe.prompt;
  if (!to) throw new FanyiError('USAGE', `--recipe ${recipe.name} needs --to (the target language, e.g. --to zh-CN)`);
  return recipe.prompt.replaceAll('${to}', to);
}

function findRecipe(nameOrDir: string, cwd: string): string {
  if (BUILT_IN_DIR && /^[a-z0-9][a-z0-9-]*$/.test(nameOrDir) && existsSync(path.join(BUILT_IN_DIR, nameOrDir, 'recipe.json'))) return path.join(BUILT_IN_DIR, nameOrDir);
  const dir = path.resolve(cwd, nameOrDir);
  if (existsSync(path.join(dir, 'recipe.json'))) return dir;
  throw new FanyiError('USAGE', `unknown recipe "${nameOrDir}": built-in recipes are ${builtInRecipes().join(', ') || '(none found)'}, or give a folder with recipe.json, prompt.md and schema.json`);
}

/** The recipe's class table (a preset, or a file relative to the recipe), a failure naming the recipe. */
function classTableOf(classes: string, dir: string, where: string): ClassTable {
  try {
    return resolveClassTable(classes, dir);
  } catch (error) {
    throw isFanyiError(error) ? new FanyiError(error.code, `${where}: classes: ${error.message}`) : error;
  }
}

function checkSlots(prompt: string, columns: readonly string[], needsTo: boolean, where: string): void {
  const allowed = needsTo ? [...columns, 'to'] : columns;
  const unknown = promptSlots(prompt).filter((slot) => !allowed.includes(slot));
  if (unknown.length) {
    const hint = unknown.includes('to') ? ' (a prompt naming ${to} needs "to": true in recipe.json)' : ` (recipe.json's columns: ${columns.join(', ')})`;
    throw new FanyiError('CONFIG_INVALID', `${where} names ${unknown.map((s) => `\${${s}}`).join(', ')}, not a column of the recipe${hint}`);
  }
}

function readText(dir: string, file: string, where: (file: string) => string): string {
  try {
    return readFileSync(path.join(dir, file), 'utf8');
  } catch {
    throw new FanyiError('CONFIG_INVALID', `${where(file)} is missing (looked in ${dir})`);
  }
}

function readJson(dir: string, file: string, where: (file: string) => string): unknown {
  const text = readText(dir, file, where);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FanyiError('CONFIG_INVALID', `${where(file)} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new FanyiError('CONFIG_INVALID', `${where}: ${describeIssues(result.error)}`);
}

function isObjectSchema(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { type?: unknown }).type === 'object';
}
