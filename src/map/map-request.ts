/**
 * A map job as the API receives it (`POST /api/v3/map`): text and names, never server paths. A
 * built-in recipe by name, or a prompt and a schema given inline; a class table by preset name; a
 * column to group rows by (one result per group).
 * Resolved into what the engine stores, the class table as data (a pending job keeps it in its
 * options until a file thread or the ingestion lane plans the rows).
 */
import { CLASS_PRESETS, resolveClassTable } from '../config/class-presets.ts';
import type { ClassTable } from '../config/class-table-schema.ts';
import { FanyiError } from '../errors.ts';
import { ReviewClassifier } from '../tasks/batching/review-classes.ts';
import { fewShotInput } from './map-examples.ts';
import type { MapInput } from './map-spec.ts';
import { builtInRecipes, loadRecipe, promptSlots, recipePrompt } from './recipes.ts';

export interface MapRequest {
  /** A built-in recipe's name (review-insights, …). */
  recipe?: string;
  /** With `schema`, in place of a recipe: the prompt template's text. */
  prompt?: string;
  schema?: unknown;
  /** A recipe's `${to}`. */
  to?: string;
  columns?: string[];
  id?: string;
  /** A class table preset (reviews, seed-003); default the recipe's. */
  classes?: string;
  /** One call and one result per group of rows sharing this column's value; default the recipe's. */
  groupBy?: string;
}

export interface ResolvedMapRequest {
  map: MapInput;
  classTable?: ClassTable;
  /** The recipe's lane; undefined without a recipe. */
  lane?: string;
}

/** The request checked and resolved; usage errors name the field (`recipe`, `classes`) and the choices. */
export function resolveMapRequest(request: MapRequest): ResolvedMapRequest {
  const { recipe: name, prompt, schema } = request;
  if (name && (prompt !== undefined || schema !== undefined)) throw new FanyiError('USAGE', 'recipe brings its own prompt and schema: give recipe, or prompt and schema');
  if (!name && (prompt === undefined || schema === undefined)) throw new FanyiError('USAGE', 'a map job needs recipe, or both prompt (the template text) and schema (a JSON Schema object)');
  if (name && !builtInRecipes().includes(name)) throw new FanyiError('USAGE', `recipe: unknown recipe "${name}"; built-in recipes are ${builtInRecipes().join(', ')}`);
  const recipe = name ? loadRecipe(name) : undefined;
  const idColumn = request.id?.trim() || undefined;
  const map: MapInput = recipe
    ? { prompt: recipePrompt(recipe, request.to?.trim() || undefined), schema: recipe.schema, schemaSource: `the schema of recipe ${recipe.name}`, columns: request.columns ?? recipe.columns, idColumn }
    : { prompt: prompt!, schema, schemaSource: 'schema', columns: request.columns, idColumn };
  const groupBy = request.groupBy?.trim() || recipe?.groupBy;
  if (groupBy) {
    if (request.classes !== undefined) throw new FanyiError('USAGE', 'classes places rows in calls by their length; with group_by every group is its own call: leave one out');
    return { map: { ...map, groupBy }, lane: recipe?.lane };
  }
  if (request.classes !== undefined && !Object.hasOwn(CLASS_PRESETS, request.classes)) throw new FanyiError('USAGE', `classes: unknown class table "${request.classes}"; presets are ${Object.keys(CLASS_PRESETS).join(', ')}`);
  const classTable = request.classes ? resolveClassTable(request.classes) : recipe?.classTable;
  const classifier = classTable ? new ReviewClassifier(classTable) : undefined;
  if (classifier) checkClassColumns(classifier, map);
  // A recipe's examples go with the calls of its table's few-shot classes, as on the command line.
  const examples = recipe ? fewShotInput(recipe.examples, `examples.json of recipe ${recipe.name}`, classifier, request.to?.trim() || undefined, false) : {};
  return { map: { ...map, ...examples }, classTable, lane: recipe?.lane };
}

/**
 * Refuses a class table reading columns the job does not send: its rows would all look empty and
 * land in the shortest class.
 */
export function checkClassColumns(classifier: ReviewClassifier, map: Pick<MapInput, 'columns' | 'prompt'>): void {
  const sent = map.columns ?? promptSlots(map.prompt);
  const missing = classifier.columns.filter((c) => !sent.includes(c));
  if (missing.length) throw new FanyiError('USAGE', `the class table reads ${missing.join(', ')}, which the job does not send: add ${missing.length > 1 ? 'them' : 'it'} to --columns`);
}
