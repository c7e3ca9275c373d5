/**
 * The contract runner behind `partnermock contracts` (and `npm run contracts`, the same command run from
 * source): runs contract suites with vitest, in this process, then prints each provider's coverage table.
 *
 * The built-in providers' suites ship with the package, beside this module's folder: `contracts/<name>
 * .contract.ts` in the repo (vite compiles them), `dist/contracts/<name>.contract.js` in an install. Which
 * providers there are comes from the registry, so nothing here names one. Each suite runs against the hosts
 * its `PARTNERMOCK_*` variables name, or against an in-process mock when none is set (contracts/support/
 * contract.ts), and writes a JSON report that is read back here.
 *
 * A run fails when a scenario failed (a spec violation fails its scenario, naming the operation, status and
 * schema path), when a suite wrote no report, or when, against a mock, a declared operation × status was
 * never exercised.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatReport, unexercised, type ContractReport } from '../../contracts/support/report.ts';
import type * as VitestNode from 'vitest/node';

const VITEST_NODE = 'vitest/node';

export interface ContractRunOptions {
  /** Built-in providers whose suites run. Default: every built-in one, unless `suites` is given. */
  providers?: string[];
  /** Other contract suite files (written with contracts/support/contract.ts), relative to the working directory. */
  suites?: string[];
  /**
   * `junit` writes JUnit XML: to `outputFile` (the console still gets the default report), or, without
   * one, to stdout (and then the coverage tables go to stderr). Default: vitest's default console report.
   */
  reporter?: ContractReporter;
  outputFile?: string;
  /** Variables the suites see on top of this process's environment: their hosts and credentials. */
  env?: Record<string, string>;
  /** Where the coverage tables and the failures are written, line by line. */
  print?: (text: string) => void;
}

export const contractReporters = ['default', 'verbose', 'junit'] as const;
export type ContractReporter = (typeof contractReporters)[number];

export interface ContractRunResult {
  ok: boolean;
  /** Each suite's report, in the order the suites were named. */
  reports: ContractReport[];
  /** Why the run failed, one line each; empty when it passed. */
  problems: string[];
}

/** The built-in providers that have a contract suite: the registry's, in its order. */
export async function builtinContractProviders(): Promise<string[]> {
  // Imported when asked: the registry loads every plugin, which the CLI's other paths may not need.
  const { builtinProviderNames } = await import('../../mocks/index.ts');
  return [...builtinProviderNames];
}

/** A built-in provider's shipped suite: `.ts` beside the sources, `.js` in the built package. */
export function builtinSuite(provider: string): string {
  const extension = extname(fileURLToPath(import.meta.url));
  return fileURLToPath(new URL(`../../contracts/${provider}.contract${extension}`, import.meta.url));
}

/** The `PARTNERMOCK_*` variables a suite names (its hosts and credentials), in the order it names them. */
export function suiteVariables(file: string): string[] {
  const names = readFileSync(file, 'utf8').match(/\bPARTNERMOCK_[A-Z0-9_]+/g) ?? [];
  return [...new Set(names)].filter((name) => name !== 'PARTNERMOCK_CONTRACT_REPORT_DIR');
}

export async function runContracts(options: ContractRunOptions = {}): Promise<ContractRunResult> {
  const junitToStdout = options.reporter === 'junit' && !options.outputFile;
  const print = options.print ?? (junitToStdout ? console.error : console.log);
  if (options.outputFile && options.reporter !== 'junit') throw new Error('outputFile needs the junit reporter.');

  const known = await builtinContractProviders();
  const unknown = (options.providers ?? []).filter((name) => !known.includes(name));
  if (unknown.length) {
    throw new Error(`Unknown provider ${unknown.join(', ')}; built-in providers: ${known.join(', ')}.`);
  }
  const providers = options.providers ?? (options.suites?.length ? [] : known);
  const suites = [...new Set([...providers.map(builtinSuite), ...(options.suites ?? []).map((file) => resolve(file))])];
  const missing = suites.filter((file) => !existsSync(file));
  if (missing.length) throw new Error(`No contract suite at ${missing.join(', ')}.`);

  const scratch = mkdtempSync(join(tmpdir(), 'partnermock-contracts-'));
  const reportDir = join(scratch, 'reports');
  try {
    const failedRun = await runVitest(suites, options, reportDir, join(scratch, 'vite'));
    const reports = readReports(reportDir, suites);
    const problems: string[] = [];
    if (failedRun) problems.push(failedRun);
    print('\nContract coverage\n');
    for (const report of reports) {
      print(`${formatReport(report)}\n`);
      if (report.kind === 'mock') {
        for (const status of unexercised(report))
          problems.push(`${report.provider}: ${status} was never exercised against the mock`);
      }
    }
    if (reports.length < suites.length) {
      problems.push(`${suites.length - reports.length} of ${suites.length} contract suites wrote no report`);
    }
    for (const problem of problems) print(`FAIL ${problem}`);
    return { ok: !problems.length, reports, problems };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Runs the suites; says why the run failed, or undefined when every scenario passed (or was skipped). */
async function runVitest(
  suites: string[],
  options: ContractRunOptions,
  reportDir: string,
  cacheDir: string,
): Promise<string | undefined> {
  // Named through a variable, so that a bundler following the package's entry (src/index.ts → cli.ts → here)
  // does not pull vitest, with its optional UI and devtools, into a server's bundle.
  const { startVitest } = (await import(VITEST_NODE)) as typeof VitestNode;
  const reporter = options.reporter ?? 'default';
  // startVitest marks a failed run in process.exitCode; the caller decides what this process exits with.
  const exitCode = process.exitCode;
  const vitest = await startVitest(
    'test',
    [],
    {
      // Nothing from a vitest config, neither the repo's nor the installing project's: this is the whole of it.
      config: false,
      root: packageRoot(),
      include: suites.map((file) => file.split(sep).join('/')),
      // vitest's default exclude names node_modules, where an install keeps the shipped suites; the suites
      // are named one by one, so nothing is left out.
      exclude: [],
      watch: false,
      // Nothing is written into the package (it may be read-only): no results cache, vite's cache in scratch.
      cache: false,
      reporters:
        reporter === 'junit'
          ? options.outputFile
            ? ['default', ['junit', { outputFile: resolve(options.outputFile) }]]
            : ['junit']
          : [reporter],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      env: { ...options.env, PARTNERMOCK_CONTRACT_REPORT_DIR: reportDir },
      // In an install the suites are compiled JavaScript under node_modules: vitest runs each suite file
      // itself and leaves what it imports to Node (nothing there needs vite). There is one vitest all the
      // same: the suites' `vitest` resolves from this package, as `vitest/node` above does, to the same copy.
    },
    { cacheDir },
  ).finally(() => {
    process.exitCode = exitCode;
  });
  if (!vitest) return 'vitest could not start';
  const modules = vitest.state.getTestModules();
  const failed = modules.filter((module) => !module.ok()).length;
  const errors = vitest.state.getUnhandledErrors().length;
  if (!modules.length) return 'vitest found no contract suite to run';
  if (failed) return `${failed} of ${modules.length} contract suites failed (see above)`;
  if (errors) return `${errors} unhandled error${errors === 1 ? '' : 's'} during the run (see above)`;
  return undefined;
}

/** The reports the suites wrote, in the order the suites were named (a report is named after its provider). */
function readReports(reportDir: string, suites: string[]): ContractReport[] {
  if (!existsSync(reportDir)) return [];
  const reports = readdirSync(reportDir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(join(reportDir, file), 'utf8')) as ContractReport);
  const position = (report: ContractReport) => {
    const index = suites.findIndex((suite) => suite.endsWith(`${sep}${report.provider}.contract${extname(suite)}`));
    return index === -1 ? suites.length : index;
  };
  return reports.sort((a, b) => position(a) - position(b) || a.provider.localeCompare(b.provider));
}

/** The package's root (where its package.json is): two folders up from src/contracts, three from dist/src/contracts. */
function packageRoot(): string {
  for (const relative of ['../../', '../../../']) {
    const folder = fileURLToPath(new URL(relative, import.meta.url));
    if (!existsSync(join(folder, 'package.json'))) continue;
    const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: string };
    if (pkg.name === 'partnermock') return folder;
  }
  return fileURLToPath(new URL('../../', import.meta.url));
}
