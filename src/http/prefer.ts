/**
 * Prism's `Prefer` header, to pick a spec answer per request:
 *   Prefer: code=401
 *   Prefer: example=docs
 *   Prefer: code=200, dynamic=true
 * Directives may be separated by commas or semicolons.
 */
export interface Preference {
  code?: number;
  example?: string;
  dynamic?: boolean;
}

export function parsePrefer(header: string | undefined): Preference | undefined {
  if (!header) return undefined;
  const preference: Preference = {};
  for (const part of header.split(/[,;]/)) {
    const [rawName, ...rest] = part.split('=');
    const name = rawName?.trim().toLowerCase();
    const value = rest
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (name === 'code' && /^\d{3}$/.test(value)) preference.code = Number(value);
    else if (name === 'example' && value) preference.example = value;
    else if (name === 'dynamic' && (value === '' || value === 'true')) preference.dynamic = true;
  }
  return Object.keys(preference).length ? preference : undefined;
}
