/** Thrown when the admin API answers anything but 2xx. */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The few operator calls the demo makes (`/admin/v1`, bearer token). There is no generated
 * admin client, so these are plain `fetch` calls shaped as the contract says.
 */
export class AdminApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** `PATCH /admin/v1/resellers/{key}`: e.g. its default notification URL. */
  updateReseller(resellerKey: string, changes: Record<string, unknown>): Promise<unknown> {
    return this.call('PATCH', `/admin/v1/resellers/${resellerKey}`, changes);
  }

  /** `POST /admin/v1/resellers/{key}/signingSecret`: a new secret, shown this once. */
  async rotateSigningSecret(resellerKey: string): Promise<string> {
    const answer = await this.call('POST', `/admin/v1/resellers/${resellerKey}/signingSecret`);
    return (answer as { secret: string }).secret;
  }

  /** `PATCH /admin/v1/merchants/{key}`: e.g. its callback URLs and credential. */
  updateMerchant(merchantAccountKey: string, changes: Record<string, unknown>): Promise<unknown> {
    return this.call('PATCH', `/admin/v1/merchants/${merchantAccountKey}`, changes);
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      // Sent even without a body: fetch sends `Content-Length: 0` on a body-less POST, which
      // the server reads as a body and wants typed.
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    if (!response.ok) {
      const detail = (safeJson(text) as { detail?: string } | undefined)?.detail ?? text;
      throw new AdminApiError(response.status, `${method} ${path}: ${response.status} ${detail}`);
    }
    return safeJson(text);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
