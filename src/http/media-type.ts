/** Media type helpers: `application/json; charset=utf-8` → `application/json`, and JSON-ness. */
export function essence(contentType: string | undefined): string | undefined {
  const value = contentType?.split(';')[0]?.trim().toLowerCase();
  return value ? value : undefined;
}

export function isJsonMediaType(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

export function isFormMediaType(mediaType: string): boolean {
  return mediaType === 'application/x-www-form-urlencoded';
}

/** Does a declared media type (possibly `text/*` or `*\/*`) accept the actual one? */
export function mediaTypeMatches(declared: string, actual: string): boolean {
  const [type, subtype] = declared.toLowerCase().split('/');
  const [actualType, actualSubtype] = actual.split('/');
  return (type === '*' || type === actualType) && (subtype === '*' || subtype === actualSubtype);
}
