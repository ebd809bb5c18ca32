/**
 * `agora import <kind> <file>`: imports a CSV or NDJSON file (optionally .gz) with a progress bar, writes the
 * refused lines to an error report, and prints a summary. Exit code 0 when every line was imported, 3 when
 * some were refused (the rest is imported), 1 or 2 when the import could not run.
 */
import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { Argument, Command, Option } from 'commander';
import type { AgoraClient } from '../../cli/agora-client.ts';
import { configFromCommand } from '../../cli/cli-config.ts';
import { printJson } from '../../cli/output.ts';
import { createProgress } from '../../cli/progress.ts';
import { runVerb } from '../../cli/target.ts';
import { AppError, appErrorFrom } from '../../platform/errors/app-error.ts';
import { createIngestService } from '../ingestion/index.ts';
import { DEFAULT_WORKSPACE_SLUG, localWorkspace } from '../workspaces/index.ts';
import type { ImportUpdate } from './import.routes.ts';
import { createImportService, type ImportListener, type ImportOptions } from './import.service.ts';
import { IMPORT_KINDS, type ImportKind } from './import-kinds.ts';
import { type ImportFormat, type LineProblem, parseMapping } from './read-records.ts';

export const EXIT_SOME_REFUSED = 3;

interface ImportCommandOptions {
  format?: ImportFormat;
  map: string[];
  delimiter?: string;
  errors?: string;
  workspace: string;
  json?: boolean;
}

export function importCommand(): Command {
  return new Command('import')
    .description(
      'import customers, accounts, products, content, orders, events or marketing costs from a CSV or NDJSON file',
    )
    .addArgument(new Argument('<kind>', 'what the file holds').choices(IMPORT_KINDS))
    .argument('<file>', 'the file: .csv, .tsv, .ndjson or .jsonl, optionally gzipped (.gz)')
    .addOption(
      new Option('--format <format>', 'csv or ndjson (default: from the file name)').choices([
        'csv',
        'ndjson',
      ]),
    )
    .option(
      '--map <field=column>',
      'the column that holds a field, e.g. --map user_id=CustomerID (repeatable)',
      (pair: string, pairs: string[]) => [...pairs, pair],
      [],
    )
    .option('--delimiter <char>', 'CSV field separator (default: "," or a tab for .tsv)')
    .option('--errors <file>', 'where to write refused lines (default: <file>.errors.csv beside the file)')
    .addOption(
      new Option('--workspace <slug>', 'the workspace to import into').default(DEFAULT_WORKSPACE_SLUG),
    )
    .option('--json', 'print the summary as JSON')
    .action(async (kind: ImportKind, file: string, options: ImportCommandOptions, command: Command) => {
      const source = await describeFile(file, options);
      const report = createErrorReport(options.errors ?? defaultReportPath(file));
      // Opened here only to send the file to a server; otherwise the import's worker thread reads it.
      let upload: ReadStream | null = null;
      let bytesRead = 0;
      const progress = createProgress(`${kind}:`, {
        totalBytes: source.bytes,
        bytesRead: () => upload?.bytesRead ?? bytesRead,
      });
      const listener: ImportListener = {
        progress: (counts) => {
          bytesRead = counts.bytesRead ?? bytesRead;
          progress.update(counts.rows);
        },
        problem: (problem) => report.add(problem),
      };
      try {
        const summary = await runVerb(configFromCommand(command), options.workspace, {
          local: async (deps) => {
            const imports = createImportService({ ...deps, ingest: createIngestService(deps) });
            const { workspaceId } = await localWorkspace(deps, options.workspace);
            return imports.run(
              workspaceId,
              kind,
              { file, gzipped: source.gzipped },
              source.options,
              listener,
            );
          },
          remote: (client) => {
            upload = createReadStream(file);
            return importThroughServer(client, kind, upload, source.options, listener);
          },
        });
        progress.finish();
        await report.close();
        if (options.json)
          printJson({ ...summary, kind, file, errors: report.count > 0 ? report.path : null });
        else printSummary(kind, file, summary, report);
        if (summary.rejected > 0) process.exitCode = EXIT_SOME_REFUSED;
      } catch (error) {
        progress.finish();
        await report.close();
        throw error;
      } finally {
        (upload as ReadStream | null)?.destroy();
      }
    });
}

async function describeFile(file: string, options: ImportCommandOptions) {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new AppError('INVALID_INPUT', `There is no file ${file}.`);
  const gzipped = file.endsWith('.gz');
  const extension = path.extname(gzipped ? file.slice(0, -3) : file).toLowerCase();
  const format = options.format ?? formatOf(extension);
  if (!format)
    throw new AppError(
      'INVALID_INPUT',
      `Cannot tell the format of ${file} from its name; add --format csv or --format ndjson.`,
    );
  const importOptions: ImportOptions = {
    format,
    mapping: parseMapping(options.map),
    delimiter: options.delimiter ?? (extension === '.tsv' ? '\t' : undefined),
  };
  return { bytes: info.size, gzipped, options: importOptions };
}

function formatOf(extension: string): ImportFormat | undefined {
  if (extension === '.csv' || extension === '.tsv') return 'csv';
  if (extension === '.ndjson' || extension === '.jsonl') return 'ndjson';
  return undefined;
}

function defaultReportPath(file: string): string {
  const base = path
    .basename(file)
    .replace(/\.gz$/, '')
    .replace(/\.[^.]+$/, '');
  return path.join(path.dirname(file), `${base}.errors.csv`);
}

/** Refused lines as CSV (line, column, reason), written as they come; the file is made only if needed. */
function createErrorReport(reportPath: string) {
  let out: WriteStream | null = null;
  let failure: NodeJS.ErrnoException | null = null;
  const cell = (value: string | number) => {
    const text = String(value);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const report = {
    path: reportPath,
    count: 0,
    add(problem: LineProblem): void {
      out ??= createWriteStream(reportPath).on('error', (error) => {
        failure ??= error;
      });
      if (report.count === 0) out.write('line,column,reason\n');
      report.count += 1;
      out.write(`${[problem.line, problem.column, problem.reason].map(cell).join(',')}\n`);
    },
    /** Fails, after the import has run, if the report could not be written. */
    async close(): Promise<void> {
      if (out && !failure) await new Promise<void>((resolve) => out!.end(resolve));
      const error = failure as NodeJS.ErrnoException | null;
      if (error)
        throw new AppError(
          'INVALID_INPUT',
          `The import ran, but its ${report.count} refused lines could not be written to ${reportPath} ` +
            `(${error.code ?? error.message}). Run it again with --errors <a writable path>: nothing is imported twice.`,
        );
    },
  };
  return report;
}

function printSummary(
  kind: ImportKind,
  file: string,
  summary: { rows: number; accepted: number; rejected: number; seconds: number },
  report: { path: string; count: number },
): void {
  const number = (value: number) => value.toLocaleString('en-US');
  const rate = Math.round(summary.rows / Math.max(summary.seconds, 0.001));
  const lines = [
    `Imported ${kind} from ${file}: ${number(summary.rows)} rows in ${summary.seconds.toFixed(1)} s (${number(rate)} rows/s).`,
    `  accepted: ${number(summary.accepted)} (a re-run counts what an earlier run imported, and imports nothing twice)`,
    `  refused:  ${number(summary.rejected)}${report.count > 0 ? ` (line, column and reason in ${report.path})` : ''}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Streams the file to a running server and reads its answer stream as the import goes. */
function importThroughServer(
  client: AgoraClient,
  kind: ImportKind,
  file: ReadStream,
  options: ImportOptions,
  listener: ImportListener,
): Promise<{ rows: number; accepted: number; rejected: number; seconds: number }> {
  const query = new URLSearchParams({ format: options.format });
  if (options.delimiter) query.set('delimiter', options.delimiter);
  for (const [field, column] of Object.entries(options.mapping ?? {}))
    query.append('map', `${field}=${column}`);
  const gzipped = file.path.toString().endsWith('.gz');
  return new Promise((resolve, reject) => {
    const call = httpRequest(
      `${client.url}/api/imports/${kind}?${query}`,
      {
        method: 'POST',
        headers: {
          ...client.headers,
          'content-type': 'application/octet-stream',
          ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
        },
      },
      (response) => {
        let rest = '';
        let outcome: ImportUpdate | null = null;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (response.statusCode !== 200) {
            rest += chunk;
            return;
          }
          const lines = (rest + chunk).split('\n');
          rest = lines.pop()!;
          for (const line of lines) {
            const update = JSON.parse(line) as ImportUpdate;
            if (update.type === 'progress') listener.progress?.(update);
            else if (update.type === 'problem') listener.problem?.(update);
            else outcome = update;
          }
        });
        response.on('end', () => {
          if (response.statusCode !== 200) return reject(errorOf(response.statusCode, rest));
          const final = outcome as ImportUpdate | null;
          if (final?.type === 'done') return resolve(final);
          if (final?.type === 'failed') return reject(appErrorFrom(final.error));
          reject(new AppError('INTERNAL', `The server at ${client.url} ended the import without a summary.`));
        });
      },
    );
    call.on('error', (error) =>
      reject(
        new AppError(
          'DATABASE_UNAVAILABLE',
          `The Agora server at ${client.url} stopped answering (${error.message}).`,
        ),
      ),
    );
    file.pipe(call);
  });
}

function errorOf(status: number | undefined, body: string): AppError {
  const payload = (() => {
    try {
      return JSON.parse(body) as { error?: { code?: string; message?: string } };
    } catch {
      return {};
    }
  })();
  return appErrorFrom({
    code: payload.error?.code,
    message: payload.error?.message ?? `The server answered ${status}.`,
  });
}
