/** Turns an openapi-fetch result into its data, or a ProviderError naming the operation. */
import { CallbackError } from './callback-error.ts';
import { ProviderError } from './provider-error.ts';

export interface FetchResult<Data, ErrorBody> {
  data?: Data;
  error?: ErrorBody;
  response: Response;
}

export async function expectData<Data, ErrorBody>(
  provider: string,
  operationId: string,
  pending: Promise<FetchResult<Data, ErrorBody>>,
): Promise<Data> {
  const { data, error, response } = await pending;
  if (!response.ok || data === undefined) {
    throw new ProviderError(provider, operationId, response.status, error);
  }
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
