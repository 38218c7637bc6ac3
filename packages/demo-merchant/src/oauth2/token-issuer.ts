import { randomId } from '../subscription-store';

/** The OAuth2 client Tessera authenticates as at the demo merchant's token endpoint. */
export interface OAuth2Settings {
  clientId: string;
  clientSecret: string;
  /** Lifetime of an issued token, sent as `expires_in`. */
  tokenTtlSeconds: number;
}

/** The token endpoint's success answer (RFC 6749, section 5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** Issues random bearer tokens and checks them; in memory, like the rest of the demo. */
export class TokenIssuer {
  private readonly expiries = new Map<string, number>();
  private count = 0;

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => Date,
  ) {}

  /** How many tokens were issued since start; tests use it to see tokens being reused. */
  get issued(): number {
    return this.count;
  }

  /** A new token, valid for the configured lifetime. */
  issue(): TokenResponse {
    const token = randomId(32);
    this.expiries.set(token, this.now().getTime() + this.ttlSeconds * 1000);
    this.count += 1;
    return { access_token: token, token_type: 'Bearer', expires_in: this.ttlSeconds };
  }

  /** Whether `token` was issued here and has not expired; expired ones are forgotten. */
  isValid(token: string): boolean {
    const expiry = this.expiries.get(token);
    if (expiry === undefined) {
      return false;
    }
    if (expiry <= this.now().getTime()) {
      this.expiries.delete(token);
      return false;
    }
    return true;
  }
}
