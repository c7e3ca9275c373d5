/**
 * Just2Trade's own control routes under `/__mock/just2trade`.
 *
 * `auto-login`: for a suite that wants no HTML, `POST {"login": "..."}` makes this session's authorize
 * requests redirect straight back with a code for that user, as if the login form had been submitted
 * (every other check of the authorize request still applies); `DELETE` turns it off, `GET` says which
 * login is set. A reset of the session turns it off too.
 */
import { MockError, type ControlContext, type ControlRoute } from '../../src/index.ts';
import type { Just2TradeUser } from './fixtures.ts';
import type { Just2Trade } from './index.ts';

type Route = ControlRoute<Just2Trade>;

const PATH = '/auto-login';

const autoLoginState = ({ state, respond }: ControlContext<Just2Trade>) =>
  respond.json(200, { autoLogin: state.autoLogin === undefined ? null : { login: state.autoLogin } });

const setAutoLogin: Route = {
  method: 'POST',
  path: PATH,
  handler(ctx) {
    const login: unknown = (ctx.request.body as { login?: unknown } | undefined)?.login;
    if (typeof login !== 'string' || login === '') {
      throw new MockError(400, 'invalid_request', 'Send { "login": "<a user\'s login>" } to turn auto-login on.');
    }
    if (!ctx.fixtures.get<Just2TradeUser>('users', login)) {
      const logins = ctx.fixtures.list<Just2TradeUser>('users').map((user) => user.login);
      throw new MockError(
        404,
        'not_found',
        `No user "${login}" in this session; users: ${logins.join(', ') || 'none'} (add one at /__mock/just2trade/users).`,
      );
    }
    ctx.state.autoLogin = login;
    return autoLoginState(ctx);
  },
};

const stopAutoLogin: Route = {
  method: 'DELETE',
  path: PATH,
  handler(ctx) {
    delete ctx.state.autoLogin;
    return autoLoginState(ctx);
  },
};

export const controlRoutes: Route[] = [
  { method: 'GET', path: PATH, handler: autoLoginState },
  setAutoLogin,
  stopAutoLogin,
];
