/**
 * Signing keys of trusted OIDC issuers (Entra ID, Okta), from each issuer's discovery document or a configured
 * JWKS URI, cached for an hour and refreshed early when a token names a key id the cache does not have (rotation).
 */
import type { Jwks } from '../../approval/approverIdentity';

export class JwksProvider {
  private readonly cache = new Map<string, { jwks: Jwks; fetchedAt: number }>();

  constructor(
    private readonly jwksUris: Record<string, string> = {},
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  async forIssuer(issuer: string, kid?: string): Promise<Jwks> {
    const cached = this.cache.get(issuer);
    const fresh = cached && this.now() - cached.fetchedAt < 3_600_000;
    const hasKid = kid === undefined || cached?.jwks.keys.some((k) => k.kid === kid);
    if (cached && fresh && hasKid) return cached.jwks;
    const uri = this.jwksUris[issuer] ?? (await this.discover(issuer));
    const response = await this.fetchImpl(uri, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`fetching the signing keys of ${issuer} failed with ${response.status}`);
    const jwks = (await response.json()) as Jwks;
    if (!Array.isArray(jwks.keys)) throw new Error(`the key set of ${issuer} at ${uri} has no keys`);
    this.cache.set(issuer, { jwks, fetchedAt: this.now() });
    return jwks;
  }

  private async discover(issuer: string): Promise<string> {
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const response = await this.fetchImpl(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`OpenID discovery for ${issuer} failed with ${response.status}`);
    const doc = (await response.json()) as { jwks_uri?: string };
    if (!doc.jwks_uri) throw new Error(`OpenID discovery for ${issuer} names no jwks_uri`);
    return doc.jwks_uri;
  }
}
