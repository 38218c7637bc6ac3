import { BadRequestProblem } from '../errors/http-problems';
import type { ReceiverAuth } from '../merchants/merchant-gateway';
import type { ReceiverAuthResource } from './catalogue-views';

/**
 * The receiver auth an admin sent, checked for the fields its type needs. Secrets are
 * write-only, so an update that repeats the type without a secret keeps the stored one.
 */
export function receiverAuthFrom(
  input: ReceiverAuthResource,
  current: ReceiverAuth | undefined,
  field: string,
): ReceiverAuth {
  const kept = current?.type === input.type ? (current as Record<string, string>) : {};
  const value = (name: keyof ReceiverAuthResource): string => {
    const given = input[name] ?? kept[name];
    if (typeof given !== 'string' || given === '') {
      throw new BadRequestProblem(`${field}.${name} is required for ${input.type}.`, {
        errors: [{ field: `${field}.${name}`, message: `is required for ${input.type}` }],
      });
    }
    return given;
  };

  switch (input.type) {
    case 'NONE':
      return { type: 'NONE' };
    case 'BASIC':
      return { type: 'BASIC', username: value('username'), password: value('password') };
    case 'API_KEY':
      return { type: 'API_KEY', apiKey: value('apiKey') };
    case 'OAUTH2_CLIENT_CREDENTIALS': {
      const auth: ReceiverAuth = {
        type: 'OAUTH2_CLIENT_CREDENTIALS',
        tokenUrl: value('tokenUrl'),
        clientId: value('clientId'),
        clientSecret: value('clientSecret'),
      };
      const scope = input.scope ?? kept.scope;
      return scope === undefined ? auth : { ...auth, scope };
    }
  }
}
