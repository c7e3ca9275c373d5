/** What a contract suite writes after it runs, and how `npm run contracts` prints it. */
export interface ContractReport {
  provider: string;
  /** e.g. `in-process mock`, `mock at http://127.0.0.1:4010`, `real host at https://...`. */
  target: string;
  kind: 'mock' | 'real';
  operations: { operationId: string; declared: string[]; exercised: string[] }[];
  elements: Record<'documented' | 'inferred', { total: number; exercised: number }>;
  violations: string[];
  skipped: { scenario: string; reason: string }[];
}

/** Declared `operationId status` pairs never exercised: a failure against a mock, where every one must be reachable. */
export function unexercised(report: ContractReport): string[] {
  return report.operations.flatMap((operation) =>
    operation.declared
      .filter((status) => !operation.exercised.includes(status))
      .map((status) => `${operation.operationId} ${status}`),
  );
}

export function formatReport(report: ContractReport): string {
  const lines = [`${report.provider} — ${report.target}`];
  const width = Math.max(...report.operations.map((operation) => operation.operationId.length), 9);
  lines.push(`  ${'operation'.padEnd(width)}  status  exercised`);
  for (const operation of report.operations) {
    for (const status of operation.declared) {
      lines.push(
        `  ${operation.operationId.padEnd(width)}  ${status.padEnd(6)}  ${operation.exercised.includes(status) ? 'yes' : 'NO'}`,
      );
    }
  }
  const share = ({ total, exercised }: { total: number; exercised: number }) =>
    `${exercised}/${total} (${total ? Math.round((100 * exercised) / total) : 100}%)`;
  lines.push(
    `  spec elements exercised: documented ${share(report.elements.documented)}, inferred ${share(report.elements.inferred)}`,
  );
  for (const { scenario, reason } of report.skipped) lines.push(`  skipped: ${scenario} — ${reason}`);
  for (const violation of report.violations) lines.push(`  VIOLATION: ${violation}`);
  return lines.join('\n');
}
