/** The placeholder a merchant may put in a callback URL. */
export const MERCHANT_ENTITLEMENT_ID_PLACEHOLDER = '{merchantEntitlementId}';

/**
 * The URL to call for one callback: the merchant's configured `template` with every
 * `{merchantEntitlementId}` replaced by the URL-encoded id, plus the query parameters the
 * generated client put on `generatedUrl` (none today), after the template's own.
 *
 * @returns the URL, or `undefined` when the result is not an absolute http(s) URL
 */
export function resolveCallbackUrl(
  template: string,
  merchantEntitlementId: string | undefined,
  generatedUrl?: string,
): URL | undefined {
  const filled =
    merchantEntitlementId === undefined
      ? template
      : template
          .split(MERCHANT_ENTITLEMENT_ID_PLACEHOLDER)
          .join(encodeURIComponent(merchantEntitlementId));

  let url: URL;
  try {
    url = new URL(filled);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return undefined;
  }

  // Appending re-serialises the template's own query, so only touch it when there is more.
  const generatedQuery = generatedUrl === undefined ? [] : [...new URL(generatedUrl).searchParams];
  for (const [name, value] of generatedQuery) {
    url.searchParams.append(name, value);
  }
  return url;
}

/** A URL as it may be logged: origin and path, without credentials or query string. */
export function redactUrl(url: URL): string {
  return url.origin + url.pathname;
}
