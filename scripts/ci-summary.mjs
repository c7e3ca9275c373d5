// Prints the closing line CI reads, "N passed, N failed", from vitest's JSON report.
// A run that failed before vitest reported (npm ci, the type check) counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, exitStatus] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
if (reportPath && existsSync(reportPath)) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if (report.success === false && failed === 0) failed = 1;
}
if (Number(exitStatus) !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
