import path from 'node:path';
import type { Command } from 'commander';
import type { ExportOptions, JobOutcome } from '../engine.ts';
import { FanyiError } from '../errors.ts';
import { isReviewFileName } from '../review/review-file.ts';
import { OUTPUT_ENCODINGS, type EncodingLoss, type OutputEncoding } from '../workbook/csv/output-encoding.ts';

/** The flags of translate, resume and export that decide how results and the review list are written. */
export interface OutputFlags {
  writeUnreviewed?: boolean;
  highlight?: boolean;
  review?: string;
  encoding?: string;
}

/** Help text of `--write-unreviewed`. */
export const WRITE_UNREVIEWED_HELP = 'also write results with broken placeholders, markup or ICU (hard QA flags; default: left empty, listed for review)';

/** `--write-unreviewed`, `--highlight`, `--review PATH`, `--encoding`; `stored` says what happens to them after this run. */
export function addOutputOptions(command: Command, stored: string): Command {
  return command
    .option('--write-unreviewed', `${WRITE_UNREVIEWED_HELP}; ${stored}`)
    .option('--highlight', `give cells that need review a light yellow fill in the output xlsx (default: no style is changed); ${stored}`)
    .option(
      '--review <path>',
      'write the cells to review (needs_review and failed) to this file, .xlsx or .csv, instead of a Review sheet in the output ' +
        `workbook; a CSV output always gets a separate file, <out>.review.xlsx unless this is given; ${stored}`,
    )
    .option(
      '--encoding <keep|utf-8-bom>',
      "a CSV output's encoding: keep the source's (default; a GBK file that gains characters GBK lacks is written as GB18030, " +
        `which Excel on Chinese Windows misreads) or utf-8-bom, which Excel opens right in any locale; ${stored}`,
    );
}

/** The flags as engine options; only those given, so the job's stored ones apply to the rest. */
export function outputOptionsFrom(flags: OutputFlags): ExportOptions {
  if (flags.review !== undefined && !isReviewFileName(flags.review)) {
    throw new FanyiError('USAGE', `--review must name an .xlsx or .csv file (got '${flags.review}')`);
  }
  return {
    ...(flags.writeUnreviewed ? { writeUnreviewed: true } : {}),
    ...(flags.highlight ? { highlight: true } : {}),
    ...(flags.review !== undefined ? { reviewPath: path.resolve(flags.review) } : {}),
    ...(flags.encoding !== undefined ? { encoding: encodingFrom(flags.encoding) } : {}),
  };
}

function encodingFrom(value: string): OutputEncoding {
  const encoding = OUTPUT_ENCODINGS.find((e) => e === value.toLowerCase());
  if (!encoding) throw new FanyiError('USAGE', `--encoding must be ${OUTPUT_ENCODINGS.join(' or ')} (got '${value}')`);
  return encoding;
}

/**
 * The one-line warning for a CSV written in its source's encoding with characters that
 * encoding's readers cannot read (e.g. Thai in a GBK file, written as GB18030); undefined when none.
 */
export function describeEncodingLoss(loss: EncodingLoss | null | undefined, jobId: string): string | undefined {
  if (!loss) return undefined;
  const cells = `${loss.cells} ${loss.cells === 1 ? 'cell holds' : 'cells hold'} ${loss.chars} ${loss.chars === 1 ? 'character' : 'characters'}`;
  return (
    `warning: ${cells} that ${loss.original}, the source's encoding, cannot represent; the file was written as ${loss.written}, which keeps them, ` +
    `but Excel on Chinese Windows opens a CSV as code page 936 and shows them as garbage; for a UTF-8 file: fanyi export ${jobId} --encoding utf-8-bom`
  );
}

/** Where the list of cells to review went, for the summary on stderr; undefined when there is none. */
export function describeReview(outcome: Pick<JobOutcome, 'outPath' | 'reviewSheet' | 'reviewFile'>): string | undefined {
  if (outcome.reviewFile) return outcome.reviewFile;
  if (outcome.reviewSheet && outcome.outPath) return `sheet "${outcome.reviewSheet}" of ${outcome.outPath}`;
  return undefined;
}

/**
 * ` (1,234 estimated: replies without usage)`, or nothing when every reply reported its usage:
 * the part of a token count that is fanyi's estimate, not the provider's count.
 */
export function describeEstimated(estimatedTokens: number): string {
  return estimatedTokens > 0 ? ` (${estimatedTokens} estimated: replies without usage)` : '';
}

/** `placeholder_mismatch 2, too_long 1, 1 failed`: tasks per QA flag code, then failed tasks. */
export function describeFlags(flags: Record<string, number>, failed = 0): string {
  return [...Object.entries(flags).map(([code, n]) => `${code} ${n}`), ...(failed ? [`${failed} failed`] : [])].join(', ');
}
