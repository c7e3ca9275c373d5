/**
 * The inspector page at `/` (issue 17): a static HTML shell, and its scripts and stylesheet as plain files
 * under `/__mock/inspector/assets/<file>`. The browser code reads the control API (`/__mock/journal`,
 * `/__mock/events`, ...) itself, so the server only hands out files: nothing from a CDN, no build step.
 * The files sit in `assets/` beside this module; `npm run build` copies them next to the compiled module,
 * so an installed package finds them the same way.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Request, RequestHandler, Response } from 'express';
import { MockError } from '../../errors.ts';

/** Where the page's scripts and stylesheet are served. */
export const INSPECTOR_ASSETS_PATH = '/__mock/inspector/assets';

/** The types of what the assets folder holds; a file of another kind there is not served. */
const TYPES: ReadonlyMap<string, string> = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
]);

const ASSETS = new URL('./assets/', import.meta.url);

/**
 * The page may load its own scripts and styles and talk to its own origin, nothing else: no inline
 * script or style (the page has none), no frames, no forms posted anywhere. `data:` images for the
 * favicon, so the browser asks for no `/favicon.ico` (a 404 in the console).
 */
export const INSPECTOR_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The token page's policy: the inspector's, but its one form may post to this mock. */
const TOKEN_PAGE_CSP = INSPECTOR_CSP.replace("form-action 'none'", "form-action 'self'");

/**
 * What `/` shows a browser without the control token (the mock was started with `--control-token`): a
 * form that takes it once. Posted to `/`, a right token sets the inspector's cookie and goes back to `/`.
 */
export function tokenPage(problem?: string): { status: number; headers: Record<string, string>; body: string } {
  const note = problem ? `<p class="error" role="alert">${problem}</p>` : '';
  return {
    status: 401,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': TOKEN_PAGE_CSP,
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'WWW-Authenticate': 'Bearer realm="partnermock"',
      'X-Content-Type-Options': 'nosniff',
    },
    body: `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>partnermock inspector: control token</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="__mock/inspector/assets/inspector.css" />
  </head>
  <body>
    <main id="main" class="token">
      <h1>partnermock <span class="muted">inspector</span></h1>
      <p>This mock's control API needs its token (the <code>--control-token</code> it was started with).</p>
      ${note}
      <form method="post" action="./">
        <label for="token">Control token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
        <button type="submit">Open the inspector</button>
      </form>
    </main>
  </body>
</html>
`,
  };
}

/** A file as served: as it is, and gzipped (most of the page's weight is text that packs to a third). */
interface Asset {
  type: string;
  plain: { body: Buffer; etag: string };
  gzip: { body: Buffer; etag: string };
}

/**
 * The handlers for `/` and the assets route. Files are read (and gzipped) on first request and kept for
 * the app's life (they are part of the package, they do not change while it runs); each has an ETag so
 * the browser's revalidation (`Cache-Control: no-cache`) costs a 304.
 */
export function inspectorPage(): { page: RequestHandler; asset: RequestHandler } {
  // The folder's listing is the allowlist: a name is served only if it is one of its files, exactly
  // (so `..%2Fserve-page.ts` and the like name nothing).
  let listing: Promise<ReadonlySet<string>> | undefined;
  const served = () => {
    if (!listing) {
      listing = readdir(ASSETS).then(
        (names) => new Set(names.filter((name) => TYPES.has(extname(name)))) as ReadonlySet<string>,
      );
      listing.catch(() => (listing = undefined));
    }
    return listing;
  };
  const loaded = new Map<string, Promise<Asset>>();
  const load = (file: string): Promise<Asset> => {
    let asset = loaded.get(file);
    if (!asset) {
      asset = readFile(new URL(file, ASSETS)).then((body) => {
        const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
        return {
          type: TYPES.get(extname(file))!,
          plain: { body, etag: `"${hash}"` },
          gzip: { body: gzipSync(body), etag: `"${hash}-gz"` },
        };
      });
      // A failed read is not kept: the next request tries again.
      asset.catch(() => loaded.delete(file));
      loaded.set(file, asset);
    }
    return asset;
  };

  const send = async (req: Request, res: Response, file: string, headers: Record<string, string> = {}) => {
    const asset = await load(file);
    const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
    const chosen = gzip ? asset.gzip : asset.plain;
    res.set({
      'Content-Type': asset.type,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      Vary: 'Accept-Encoding',
      ETag: chosen.etag,
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
      ...headers,
    });
    if (req.headers['if-none-match'] === chosen.etag) {
      res.status(304).end();
      return;
    }
    res.status(200).send(chosen.body);
  };

  return {
    page: async (req, res) => {
      await send(req, res, 'index.html', {
        'Content-Security-Policy': INSPECTOR_CSP,
        'Referrer-Policy': 'no-referrer',
      });
    },
    asset: async (req, res) => {
      const file = req.params.file as string;
      // The page itself is served at `/` only, with its CSP.
      if (!(await served()).has(file) || file === 'index.html') {
        throw new MockError(404, 'not_found', `The inspector has no asset "${file}".`);
      }
      await send(req, res, file);
    },
  };
}
