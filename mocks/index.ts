/**
 * The built-in providers, listed once. The server serves these; the type generator, the spec lint, the
 * spec and contract tests and the CLI derive their lists from here. A provider is one spec
 * (`openapi/<name>.yaml`), one folder here and one contract suite (`contracts/<name>.contract.ts`);
 * adding one is adding it to this list, and nothing in `src/` changes.
 */
import b2copy, { type B2CopyControls, type B2CopyEvents } from './b2copy/index.ts';
import just2trade, { type Just2TradeControls, type Just2TradeEvents } from './just2trade/index.ts';
import keeta, { type KeetaControls, type KeetaEvents } from './keeta/index.ts';

export const builtinPlugins = [b2copy, just2trade, keeta] as const;

/** The built-in providers' names, in serving order. */
export const builtinProviderNames = builtinPlugins.map((plugin) => plugin.name);

/** What each built-in plugin's `controls` adds to a test suite's handle, under the provider's name. */
export interface BuiltinControls {
  b2copy: B2CopyControls;
  just2trade: Just2TradeControls;
  keeta: KeetaControls;
  /** Each built-in plugin's `events`: the partner-side events a test can trigger. */
  events: {
    b2copy: B2CopyEvents;
    just2trade: Just2TradeEvents;
    keeta: KeetaEvents;
  };
}
