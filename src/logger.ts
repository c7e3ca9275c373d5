/** Structured logs: one JSON object per line (one per request, plus startup and faults). */
export type LogLevel = 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export function jsonLineLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  return (level, message, fields = {}) => {
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`);
  };
}

export const silentLogger: Logger = () => {};

/** Logs the hidden cause of an error the client only sees as a generic 500 (never sent to the client). */
export function logUnexposed(
  log: Logger,
  error: { expose: boolean; cause?: unknown },
  fields: Record<string, unknown> = {},
): void {
  if (error.expose) return;
  const cause = error.cause as Error | undefined;
  log('error', 'unexpected error', { ...fields, error: String(cause?.stack ?? cause) });
}
