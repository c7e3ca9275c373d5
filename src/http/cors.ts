/**
 * CORS (the Fetch standard's CORS protocol), so a web app on another origin (`http://localhost:3000`) can
 * call the mock from the browser, as Prism allows by default:
 *
 * - `cors: true` (the default): the provider routes answer every origin, echoing it in
 *   `Access-Control-Allow-Origin` (with `Vary: Origin`), never with credentials; the control API answers none.
 * - `cors: [origins]` (`--cors <origin,…>`): only those origins, on the provider routes and the control API,
 *   with `Access-Control-Allow-Credentials: true` (a named origin may send cookies and see the answers).
 * - `cors: false` (`--no-cors`): no CORS headers anywhere; browsers keep other origins out.
 *
 * A preflight (`OPTIONS` with `Access-Control-Request-Method`) an allowed origin sends is answered 204 with
 * the method and headers it asked for; answers expose the headers a client reads (`Retry-After`,
 * `WWW-Authenticate`). A redirect's `Location` stays unreadable cross-origin: browsers hand a script an
 * opaque redirect whatever the server says.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type CorsSetting = boolean | readonly string[];

/** What a client on another origin needs to read of an answer (the safelisted ones it reads anyway). */
const EXPOSED = 'Retry-After, WWW-Authenticate';
/** How long a browser may keep a preflight's answer. */
const MAX_AGE_SECONDS = '600';

export interface CorsPolicy {
  /** Applies CORS to a provider route's request; true when it answered a preflight (nothing more to do). */
  provider(req: IncomingMessage, res: ServerResponse): boolean;
  /** The same for the control API: only named origins. */
  control(req: IncomingMessage, res: ServerResponse): boolean;
}

export function corsPolicy(setting: CorsSetting = true): CorsPolicy {
  const named = new Set(typeof setting === 'boolean' ? [] : setting.map(normalise));
  const anyOrigin = setting === true;
  const apply = (req: IncomingMessage, res: ServerResponse, allowAny: boolean): boolean => {
    const origin = req.headers.origin;
    // Whether a header depends on the Origin, a cache must know: every answer of a CORS-enabled route varies.
    res.appendHeader('Vary', 'Origin');
    if (origin === undefined) return false;
    const isNamed = named.has(normalise(origin));
    if (!isNamed && !allowAny) return false;
    res.setHeader('Access-Control-Allow-Origin', origin);
    if (isNamed) res.setHeader('Access-Control-Allow-Credentials', 'true');
    const requested = req.headers['access-control-request-method'];
    if (req.method === 'OPTIONS' && typeof requested === 'string') {
      res.appendHeader('Vary', 'Access-Control-Request-Method, Access-Control-Request-Headers');
      res.setHeader('Access-Control-Allow-Methods', requested);
      const headers = req.headers['access-control-request-headers'];
      if (typeof headers === 'string' && headers !== '') res.setHeader('Access-Control-Allow-Headers', headers);
      res.setHeader('Access-Control-Max-Age', MAX_AGE_SECONDS);
      res.statusCode = 204;
      res.end();
      return true;
    }
    res.setHeader('Access-Control-Expose-Headers', EXPOSED);
    return false;
  };
  if (setting === false) return { provider: () => false, control: () => false };
  return {
    provider: (req, res) => apply(req, res, anyOrigin),
    control: (req, res) => named.size > 0 && apply(req, res, false),
  };
}

/** Origins compare as the browser serialises them: lower-case scheme and host, no trailing slash. */
function normalise(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
