/**
 * The bench's own build of partnermock: what `npm run build` makes (tsc with tsconfig.build.json, the
 * specs and the plugins' non-TypeScript files beside it), but in a scratch directory, so that a build
 * or `npm pack` running elsewhere in the repo meanwhile (which empties dist/) cannot pull the files
 * from under a running benchmark. The scratch directory gets `{"type":"module"}` and a link to the
 * repo's node_modules, so the emitted files load exactly as dist/ does.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface Build {
  /** The CLI, as `node <cli> --port 0` runs it (dist/src/cli.js). */
  cli: string;
  /** The package entry point (dist/src/index.js). */
  index: string;
  /** tsc's complaints, when it emitted anyway (someone's edit in progress elsewhere). */
  warnings?: string;
}

export function buildPartnermock(root: string, scratch: string): Build {
  const dist = join(scratch, 'dist');
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  let warnings: string | undefined;
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', dist], {
      cwd: root,
      stdio: 'pipe',
      timeout: 300_000,
    });
  } catch (error) {
    // tsc emits despite type errors; only a missing output is fatal.
    warnings = String((error as { stdout?: Buffer }).stdout ?? error).trim();
  }
  const cli = join(dist, 'src/cli.js');
  const index = join(dist, 'src/index.js');
  if (!existsSync(cli) || !existsSync(index)) throw new Error(`tsc produced no ${cli}:\n${warnings ?? ''}`);
  cpSync(join(root, 'openapi'), join(dist, 'openapi'), { recursive: true });
  cpSync(join(root, 'mocks'), join(dist, 'mocks'), {
    recursive: true,
    filter: (source) => !source.endsWith('.ts') || source.endsWith('.d.ts'),
  });
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  return { cli, index, ...(warnings ? { warnings } : {}) };
}
