/**
 * Where every client call ends: the one place that turns openapi-fetch's outcome into data, a ProviderError
 * (the partner answered with an error) or a ProviderUnavailableError (no usable answer).
 */
import { CallbackError } from './callback-error.ts';
import { ProviderError } from './provider-error.ts';
import { ProviderUnavailableError, unavailableReason } from './provider-unavailable-error.ts';

export interface FetchResult<Data, ErrorBody> {
  data?: Data;
  error?: ErrorBody;
  response: Response;
}

/**
 * The data of a call, or: ProviderError for a non-2xx answer (with its normalized code and Retry-After);
 * ProviderUnavailableError for a network failure, a timeout or abort, a body that is not JSON, and a 2xx
 * with no data; any other error (a bug) as it is.
 */
export async function expectData<Data, ErrorBody>(
  provider: string,
  operationId: string,
  pending: Promise<FetchResult<Data, ErrorBody>>,
): Promise<Data> {
  let result: FetchResult<Data, ErrorBody>;
  try {
    result = await pending;
  } catch (error) {
    const reason = unavailableReason(error);
    if (reason) throw new ProviderUnavailableError(provider, operationId, reason, error);
    throw error;
  }
  const { data, error, response } = result;
  if (!response.ok) {
    throw new ProviderError(provider, operationId, response.status, error, { headers: response.headers });
  }
  // openapi-fetch gives `undefined` for an empty body (no Content-Length or `0`, or a 204).
  if (data === undefined) throw new ProviderUnavailableError(provider, operationId, 'empty');
  if (data === null) throw new ProviderUnavailableError(provider, operationId, 'malformed');
  return data;
}

/** `application/x-www-form-urlencoded`, leaving out absent fields (URLSearchParams would send "undefined"). */
export function formBody(body: unknown): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (value !== undefined && value !== null) form.append(name, String(value));
  }
  return form.toString();
}

/** Base URLs are taken with or without a trailing slash. */
export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * The query of a redirect back to the CRM, once it is known to carry no error and no repeated
 * parameter (a redirect URI that already held `?code=planted` must not shadow the provider's value).
 * Throws CallbackError otherwise; `provider` names who redirected, for the message.
 */
export function callbackQuery(
  url: string | URL,
  provider: string,
): { search: URLSearchParams; parameters: Record<string, string> } {
  const search = (typeof url === 'string' ? new URL(url, 'http://callback.invalid') : url).searchParams;
  const parameters: Record<string, string> = {};
  search.forEach((value, name) => {
    if (name in parameters)
      throw new CallbackError(
        'duplicate_parameter',
        `The ${provider} callback carries ${name} more than once`,
        Object.fromEntries(search),
      );
    parameters[name] = value;
  });
  const error = search.get('error');
  if (error)
    throw new CallbackError(
      error,
      `${provider} refused the authorization: ${search.get('error_description') ?? error}`,
      parameters,
    );
  return { search, parameters };
}
