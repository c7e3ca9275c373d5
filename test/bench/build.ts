/**
 * The bench's own build of partnermock: what `npm run build` makes (tsc with tsconfig.build.json, the
 * specs and the plugins' non-TypeScript files beside it), but in a scratch directory, so that a build
 * or `npm pack` running elsewhere in the repo meanwhile (which empties dist/) cannot pull the files
 * from under a running benchmark. The scratch directory gets `{"type":"module"}` and a link to the
 * repo's node_modules, so the emitted files load exactly as dist/ does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Build {
  /** The CLI, as `node <cli> --port 0` runs it (dist/src/cli.js). */
  cli: string;
  /** The package entry point (dist/src/index.js). */
  index: string;
}

export function buildPartnermock(root: string, scratch: string): Build {
  const dist = join(scratch, 'dist');
  // First the package around the build, so that the build step that loads the built code (preparing the
  // specs) resolves its dependencies; `npm start` here runs the repo's own start script.
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'partnermock-bench', type: 'module', private: true, scripts: { start: scripts.start } }),
  );
  symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  // The repo's own build script (tsc, the specs and their prepared forms, the plugins' assets).
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--out-dir', dist], {
    cwd: root,
    stdio: 'pipe',
    timeout: 300_000,
  });
  const cli = join(dist, 'src/cli.js');
  const index = join(dist, 'src/index.js');
  if (!existsSync(cli) || !existsSync(index)) throw new Error(`the build produced no ${cli}`);
  return { cli, index };
}
