import path from 'node:path';
import type { Command } from 'commander';
import type { Engine, JobOptions } from '../../engine.ts';
import { FanyiError } from '../../errors.ts';
import type { FanyiConfig } from '../../config/config-schema.ts';
import { resolveClassTable } from '../../config/class-presets.ts';
import { readMapFiles, type MapInput } from '../../map/map-spec.ts';
import type { RowClassifier } from '../../map/plan-map.ts';
import { fewShotInput, readExamplesFile } from '../../map/map-examples.ts';
import { builtInRecipes, loadRecipe, recipePrompt } from '../../map/recipes.ts';
import { checkClassColumns } from '../../map/map-request.ts';
import { ReviewClassifier, rowClassifier } from '../../tasks/batching/review-classes.ts';
import { describeGroups } from '../../map/map-groups.ts';
import { isJsonLinesPath } from '../../map/map-output.ts';
import { addProviderOptions, addStoreOptions, defaultOutPath, openEngine, splitList, type CommonFlags } from '../common.ts';
import { addOutputOptions, outputOptionsFrom, type OutputFlags } from '../output-flags.ts';
import { checkJobLane, DEFAULT_LANE } from '../../queue/queue-lanes.ts';
import { detach, priorityFlag, runWithProgress } from './translate.ts';

/** The flags that say what a map job asks of each row (`map`, and `estimate` with --prompt). */
export interface MapFlags {
  prompt?: string;
  schema?: string;
  columns?: string;
  id?: string;
  recipe?: string;
  classes?: string;
  to?: string;
  examples?: string;
  groupBy?: string;
}

interface MapCommandFlags extends CommonFlags, OutputFlags, MapFlags {
  out?: string;
  priority?: string;
  lane?: string;
  detach?: boolean;
}

/** `--prompt`, `--schema` or `--recipe`, `--columns`, `--id`, `--classes`: shared by `map` and `estimate`. */
export function addMapOptions(command: Command, forEstimate: boolean): Command {
  const prompt = 'Markdown prompt naming the row\'s columns as ${Column Header} (e.g. ${Text}); sent once per call, the rows as JSON';
  const schema = 'JSON Schema of one row\'s result (an object; each top-level property becomes a column), validated with ajv';
  const recipes = builtInRecipes().join(', ');
  return command
    .option('--prompt <file>', forEstimate ? `estimate a map job: ${prompt}` : prompt)
    .option('--schema <file>', schema)
    .option('--recipe <name|dir>', `a prompt, schema, columns, class table and lane shipped together (${recipes}; or a copy of one's folder) in place of --prompt and --schema`)
    .option('--classes <preset|file>', 'how rows are packed per call: a class table (presets reviews, seed-003; or a .json/.yaml file); default config batching.classes, else the recipe\'s, else the token budgets alone')
    .option('--columns <list>', 'columns sent per row, comma-separated (default: those the prompt names; must include them)')
    .option('--id <column>', 'column naming each row in a .jsonl output, and the rows sent of a group (default: the row number)')
    .option('--examples <file>', 'worked examples, JSON [{"row": {…}, "result": {…}}, …] as a recipe\'s examples.json: sent before the rows in the calls of the class table\'s few-shot classes (every call without a class table); default the recipe\'s')
    .option('--group-by <column>', 'one call and one result per group of rows sharing this column\'s value (a product\'s reviews), a group too large for one call sampled to fit; the output has one row per group (default: the recipe\'s groupBy)');
}

/** The map inputs of --prompt and --schema, files read. */
export async function mapInputFrom(flags: MapFlags): Promise<MapInput> {
  if (!flags.prompt || !flags.schema) throw new FanyiError('USAGE', 'a map job needs both --prompt FILE and --schema FILE, or --recipe NAME');
  return { ...(await readMapFiles(flags.prompt, flags.schema)), columns: splitList(flags.columns), idColumn: flags.id?.trim() || undefined };
}

/** What a map job is made of: its inputs, how its rows are packed, and the lane its recipe asks for. */
export interface MapPlanInputs {
  map: MapInput;
  classify?: RowClassifier;
  lane?: string;
}

/**
 * The job the flags describe: a recipe (its prompt with `${to}` filled, schema, columns, class
 * table, examples, grouping and lane) or --prompt and --schema; the class table from --classes,
 * else config `batching.classes`, else the recipe's. A class table whose columns the job does not
 * send is refused: its rows would all look empty and land in the shortest class. A group job has
 * no classes (one group per call) and no examples (they show a row's result, not a group's).
 */
export async function mapInputsFrom(flags: MapFlags, config: FanyiConfig): Promise<MapPlanInputs> {
  const recipe = flags.recipe ? loadRecipe(flags.recipe) : undefined;
  if (recipe && (flags.prompt || flags.schema)) throw new FanyiError('USAGE', '--recipe brings its own prompt and schema: give --recipe, or --prompt and --schema');
  const to = flags.to?.trim() || undefined;
  const map: MapInput = recipe
    ? { prompt: recipePrompt(recipe, to), schema: recipe.schema, schemaSource: `the schema of recipe ${recipe.name}`, columns: splitList(flags.columns) ?? recipe.columns, idColumn: flags.id?.trim() || undefined }
    : await mapInputFrom(flags);
  const groupBy = flags.groupBy?.trim() || recipe?.groupBy;
  if (groupBy) {
    checkGroupFlags(flags);
    return { map: { ...map, groupBy }, lane: recipe?.lane };
  }
  const table = flags.classes ? resolveClassTable(flags.classes) : config.batching.classes ? resolveClassTable(config.batching.classes) : recipe?.classTable;
  const classifier = table ? new ReviewClassifier(table) : undefined;
  const examples = flags.examples ? fewShotInput(readExamplesFile(flags.examples), `--examples ${flags.examples}`, classifier, to, true) : recipe ? fewShotInput(recipe.examples, `examples.json of recipe ${recipe.name}`, classifier, to, false) : {};
  if (!classifier) return { map: { ...map, ...examples }, lane: recipe?.lane };
  checkClassColumns(classifier, map);
  return { map: { ...map, ...examples }, classify: rowClassifier(classifier), lane: recipe?.lane };
}

/** Flags a group job cannot take, refused with why. */
function checkGroupFlags(flags: MapFlags): void {
  if (flags.classes) throw new FanyiError('USAGE', '--classes places rows in calls by their length; with --group-by every group is its own call: leave one out');
  if (flags.examples) throw new FanyiError('USAGE', "--examples show one row's result; a --group-by job's calls hold a group each: leave one out");
}

export function registerMap(program: Command, exit: (code: number) => void): void {
  const command = addMapOptions(
    program
      .command('map')
      .description('an LLM result per row (xlsx, csv, tsv): a prompt and a JSON Schema; results validated, written as new columns or JSON lines')
      .argument('<file>', 'the table'),
    false,
  )
    .option('--to <lang>', 'the target language of a recipe whose prompt names ${to} (review-translate)')
    .option('--out <path>', 'output: a copy of the input with the result columns (default: <name>.mapped.<ext> beside the input), or a .jsonl file, one line per row; with --group-by a new table (csv or xlsx by its extension) or .jsonl, one row per group')
    .option('--priority <level>', "high or normal: with --queue, a high job's batches go before normal jobs' (default normal)")
    .option('--lane <name>', `the queue lane the job runs on (seed 003: insight_extraction, theme_extraction, learning, …): its batches go to that lane's queue and its calls get that lane's priority at the rate limiter (default ${DEFAULT_LANE})`)
    .option('--detach', 'with --queue: store and enqueue the job, print its id and return; workers run it')
    .option('--json', 'print one JSON summary on stdout and nothing else');
  addOutputOptions(command, 'stored with the job (resume and export follow it)');
  addStoreOptions(addProviderOptions(command)).action(async (file: string, flags: MapCommandFlags) => {
    const priority = priorityFlag(flags.priority);
    const engine = await openEngine(flags);
    try {
      const { map, classify, lane: recipeLane } = await mapInputsFrom(flags, engine.config);
      const lane = flags.lane === undefined ? recipeLane : checkJobLane(flags.lane);
      if (flags.detach && !engine.queue) throw new FanyiError('USAGE', '--detach needs a queue (--queue URL or FANYI_QUEUE_URL): without one the job runs in this process');
      const outPath = path.resolve(flags.out ?? defaultOutPath(file, 'mapped'));
      const output = outputOptionsFrom(flags);
      if (isJsonLinesPath(outPath) && output.highlight) throw new FanyiError('USAGE', '--highlight colours cells of a workbook; a .jsonl output has none');
      if (map.groupBy && output.highlight) throw new FanyiError('USAGE', '--highlight colours cells of a copy of the input; a --group-by output is a new table, one row per group, its review list beside it');
      const job = await createMapJob(engine, { file, map, classify, outPath, priority, lane, ...output }, !flags.json);
      if (flags.detach) return exit(await detach(engine, job.jobId, flags.json));
      exit(await runWithProgress(engine, job.jobId, job.totalTasks, job.uniqueRows, flags.json));
    } finally {
      await engine.close();
    }
  });
}

/** Creates the job and says what it holds (on stderr). */
async function createMapJob(engine: Engine, input: Parameters<Engine['createMapJob']>[0], describe: boolean) {
  const { job, plan } = await engine.createMapJob(input);
  const uniqueRows = plan.classes.reduce((sum, c) => sum + c.uniqueRows, 0);
  if (describe) {
    const spec = (JSON.parse(job.options) as JobOptions).map!;
    const classes = plan.classes.length > 1 ? `; ${plan.classes.map((c) => `${c.className}: ${c.rows} rows in ${c.batches} calls`).join(', ')}` : '';
    const items = plan.groups ? describeGroups(plan.groups) : `${job.total_tasks} rows`;
    process.stderr.write(
      `job ${job.job_id} (map): ${items} of sheet "${spec.sheetName}" (${uniqueRows} unique, ${plan.batches.length} batches${classes}); ` +
        `sends ${spec.columns.join(', ')}; results: ${spec.resultColumns.join(', ')}\n`,
    );
  }
  return { jobId: job.job_id, totalTasks: job.total_tasks, uniqueRows };
}
