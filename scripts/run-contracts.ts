/**
 * `npm run contracts [-- [--suite <file>]... vitest options]`: runs the contract suites with vitest (so
 * `--reporter=junit --outputFile=...` works), then prints each provider's coverage table. Exits
 * non-zero when a scenario failed (a spec violation fails its scenario, naming the operation, status
 * and schema path) or when, against a mock, a declared operation or status was never exercised.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatReport, unexercised, type ContractReport } from '../contracts/support/report.ts';
import { builtinProviders } from './providers.ts';

const root = join(import.meta.dirname, '..');
// vitest's package exports do not expose its CLI file, so it is found on disk.
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const reports = mkdtempSync(join(tmpdir(), 'partnermock-contracts-'));

// The suites: the built-in providers' (from the registry), or those named with `--suite <file>`.
const args = process.argv.slice(2);
const suites: string[] = [];
for (let index = args.indexOf('--suite'); index !== -1; index = args.indexOf('--suite')) {
  suites.push(resolve(args[index + 1] ?? ''));
  args.splice(index, 2);
}
if (!suites.length) suites.push(...builtinProviders.map((provider) => provider.contract));

const run = spawnSync(
  process.execPath,
  [vitest, 'run', '--config', join(root, 'vitest.contracts.config.ts'), ...args],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PARTNERMOCK_CONTRACT_REPORT_DIR: reports, PARTNERMOCK_CONTRACT_SUITES: suites.join('\n') },
  },
);

const problems: string[] = [];
const files = existsSync(reports)
  ? readdirSync(reports)
      .filter((file) => file.endsWith('.json'))
      .sort()
  : [];
console.log('\nContract coverage\n');
for (const file of files) {
  const report = JSON.parse(readFileSync(join(reports, file), 'utf8')) as ContractReport;
  console.log(`${formatReport(report)}\n`);
  if (report.kind === 'mock') {
    for (const missing of unexercised(report))
      problems.push(`${report.provider}: ${missing} was never exercised against the mock`);
  }
}
rmSync(reports, { recursive: true, force: true });
if (!files.length) problems.push('no contract suite wrote a report');
for (const problem of problems) console.error(`FAIL ${problem}`);
process.exit(run.status !== 0 ? (run.status ?? 1) : problems.length ? 1 : 0);
