/** Query parameters that would carry a credential. */
const CREDENTIAL_PARAMETER =
  /^(token|access_token|refresh_token|id_token|auth|authorization|bearer|session|session_token|sessionid|api_key|apikey|jwt)$/i;

/**
 * Which credential a URL carries, or null: a query parameter named like one, or tRPC's
 * `connectionParams` (how an EventSource without headers would pass a token).
 */
export function credentialInUrl(url: string): string | null {
  const query = url.indexOf('?');
  if (query < 0) return null;
  const params = new URLSearchParams(url.slice(query + 1));
  for (const [name, value] of params) {
    if (CREDENTIAL_PARAMETER.test(name)) return name;
    if (name === 'connectionParams') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        continue;
      }
      if (typeof parsed === 'object' && parsed !== null)
        for (const key of Object.keys(parsed)) if (CREDENTIAL_PARAMETER.test(key)) return `connectionParams.${key}`;
    }
  }
  return null;
}

/** The URL as logged: the values of credential parameters replaced (a refused request is still logged). */
export function urlForLogs(url: string): string {
  const query = url.indexOf('?');
  if (query < 0 || credentialInUrl(url) === null) return url;
  const params = new URLSearchParams(url.slice(query + 1));
  for (const name of [...params.keys()])
    if (CREDENTIAL_PARAMETER.test(name) || name === 'connectionParams') params.set(name, 'REDACTED');
  return `${url.slice(0, query)}?${params.toString()}`;
}
