/**
 * `partnermock --watch`: reloads the config file when it, or a file it reads through `{ file }`, changes.
 *
 * The folders holding those files are watched (fs.watch), not the files: an editor that saves by writing a
 * new file and renaming it over the old one replaces the file a watch on it would follow. Events are
 * debounced (one reload per burst of writes), reloads never overlap (a change during one reloads again
 * after it), and a reload whose files read the same as the last one's does nothing, so a save is applied
 * exactly once however many events the platform sends for it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface ConfigWatcher {
  /** Stops watching; a pending reload is dropped, one in progress finishes. */
  close(): void;
  /** Resolves when no reload is pending or running (for tests). */
  idle(): Promise<void>;
}

export interface WatchOptions {
  /** The files to watch now: the config file and the files it read (asked again after every reload). */
  files(): readonly string[];
  /** Reloads; called once per settled change. Its errors are passed to `onError`. */
  reload(): Promise<void>;
  onError(error: unknown): void;
  /** Quiet time after the last event before reloading. Default 150 ms. */
  debounceMs?: number;
  /**
   * What the files read when they were loaded (`configSnapshot`): a change made between that load and the
   * start of watching, which no event reports, is reloaded at once. Default: what they read now.
   */
  since?: string;
}

export function watchConfigFiles(options: WatchOptions): ConfigWatcher {
  const debounceMs = options.debounceMs ?? 150;
  const watchers = new Map<string, FSWatcher>();
  let names = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let lastSnapshot = options.since ?? configSnapshot(options.files());

  const sync = () => {
    const files = options.files();
    names = new Set(files);
    const folders = new Set(files.map((file) => dirname(file)));
    for (const [folder, watcher] of watchers) {
      if (!folders.has(folder)) {
        watcher.close();
        watchers.delete(folder);
      }
    }
    for (const folder of folders) {
      if (watchers.has(folder)) continue;
      try {
        const watcher = watch(folder, { persistent: true }, (_event, name) => {
          // No name (some platforms): any change in the folder may be ours.
          if (name === null || [...names].some((file) => dirname(file) === folder && basename(file) === name)) {
            schedule();
          }
        });
        watcher.on('error', options.onError);
        watchers.set(folder, watcher);
      } catch (error) {
        options.onError(error);
      }
    }
  };

  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(run, debounceMs);
  };

  const run = () => {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    const current = configSnapshot(options.files());
    if (current === lastSnapshot) return; // an event with nothing changed (a touch, a burst's echo)
    lastSnapshot = current;
    running = options
      .reload()
      .catch(options.onError)
      .finally(() => {
        running = undefined;
        if (closed) return;
        // The file may now read other files (a new { file }): watch those, and note what they read now
        // (unless a change came in meanwhile: then the next run compares with what this one loaded).
        const before = [...names].join('\0');
        sync();
        if (!again && [...names].join('\0') !== before) lastSnapshot = configSnapshot(options.files());
        if (again) {
          again = false;
          schedule();
        }
      });
  };

  sync();
  // Changed since it was loaded, before the watch began: no event will say so.
  if (configSnapshot(options.files()) !== lastSnapshot) schedule();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
    async idle() {
      while (timer !== undefined || running !== undefined) {
        await (running ?? new Promise((resolve) => setTimeout(resolve, debounceMs)));
      }
    },
  };
}

/** What the files read now (a hash; a missing file reads as missing). */
export function configSnapshot(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file);
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('\0missing');
    }
  }
  return hash.digest('hex');
}

/**
 * What differs between two loaded configs, as key paths: top-level settings, and per provider `enabled`,
 * `options` and each fixture collection (`providers.b2copy.fixtures.users`).
 */
export function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  const changed: string[] = [];
  const keys = (a: unknown, b: unknown) => [
    ...new Set([...Object.keys((a as object | undefined) ?? {}), ...Object.keys((b as object | undefined) ?? {})]),
  ];
  for (const key of keys(before, after)) {
    if (key !== 'providers') {
      if (differs(before[key], after[key])) changed.push(key);
      continue;
    }
    const providers = [before.providers, after.providers] as (Record<string, Record<string, unknown>> | undefined)[];
    for (const name of keys(providers[0], providers[1])) {
      const [a = {}, b = {}] = providers.map((section) => section?.[name] ?? {});
      for (const part of keys(a, b)) {
        if (part === 'fixtures') {
          const [fa, fb] = [a.fixtures, b.fixtures] as (Record<string, unknown> | undefined)[];
          for (const collection of keys(fa, fb)) {
            if (differs(fa?.[collection], fb?.[collection])) changed.push(`providers.${name}.fixtures.${collection}`);
          }
        } else if (differs(a[part], b[part])) changed.push(`providers.${name}.${part}`);
      }
    }
  }
  return changed;
}
