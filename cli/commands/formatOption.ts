import { InvalidArgumentError } from 'commander';
import { type OutputFormat, parseFormats } from '../../output/parquet.ts';

/** `--format csv|parquet|csv,parquet` (run and batch). */
export function parseFormatOption(value: string): OutputFormat[] {
  const formats = parseFormats(value);
  if (typeof formats === 'string') throw new InvalidArgumentError(formats);
  return formats;
}

export const FORMAT_HELP = 'tables as csv, parquet or both (csv,parquet); default csv';
