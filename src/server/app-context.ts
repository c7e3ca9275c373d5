/** What every part of one mock app shares: made once in create-app.ts and passed down, never module-level. */
import type { Response } from 'express';
import type { ControlAccess } from '../control/control-access.ts';
import type { CorsPolicy } from '../http/cors.ts';
import type { Delay } from '../faults/fault-rules.ts';
import type { Logger } from '../logger.ts';
import type { RequestJournal } from '../state/journal.ts';
import type { SessionRegistry } from '../state/sessions.ts';
import type { ProviderRuntime } from './provider-runtime.ts';

export interface AppContext {
  runtimes: ProviderRuntime[];
  sessions: SessionRegistry;
  journal: RequestJournal;
  /** The base URL the mock hands out in links and redirects (changes once the port is known). */
  publicUrl(): string;
  /** An absolute URL on this mock (follows the public URL). */
  urlFor(mount: string, path?: string): string;
  bodyLimit: string | number;
  /** The server's seed: fixtures, spec answers, and each session's fault-rule draws start from it. */
  seed: number;
  /** Hold every operation's answer to the spec (a violation is a loud 500). */
  validateResponses: boolean;
  log: Logger;
  /** The delay every answer of a provider waits (`--latency`, a provider's `latency`), if any. */
  latency(provider: string): Delay | undefined;
  /** Requests a `hang` fault holds unanswered: released (their sockets closed) when the server stops. */
  held: Set<Response>;
  /** Aborted when the server stops: latency and fault delays end at once, their connections closed. */
  stopping: AbortSignal;
  /** Whether the control API and the inspector need the control token, and checking it. */
  access: ControlAccess;
  /** Which origins browsers may call the provider routes and the control API from. */
  cors: CorsPolicy;
}
