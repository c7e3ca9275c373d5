/**
 * A redirect back to the CRM that cannot be accepted: it carries an error (the user denied, the
 * provider refused), lacks a required parameter, or its `state` is not the one the CRM sent.
 */
export class CallbackError extends Error {
  override readonly name = 'CallbackError';

  constructor(
    /** `error` from the redirect (e.g. `access_denied`), or `missing_parameter` / `state_mismatch`. */
    readonly reason: string,
    message: string,
    /** Every query parameter of the callback, for logging. */
    readonly parameters: Record<string, string>,
  ) {
    super(message);
  }
}
