/**
 * Every answer the demo merchant can be told to give, per request through the `X-Magic-Number`
 * header Tessera passes on in the sandbox, or per product through configuration.
 */
export const MAGIC_VALUES = [
  'CREATE_REQUEST_RETURNS_ACTIVATED',
  'CREATE_REQUEST_RETURNS_CREATED',
  'CREATE_REQUEST_RETURNS_ACTIVATION_REQUIRED',
  'CREATE_REQUEST_RETURNS_ACTIVATION_CODE',
  'ACTIVATION_INFO_RETURNS_ACTIVATION_URL',
  'ACTIVATION_INFO_RETURNS_ACTIVATION_CODE',
  'UPDATE_REQUEST_RETURNS_ACTIVATION_REQUIRED',
  'TERMINATE_REQUEST_ENDS_NOW',
  'REQUEST_RETURNS_ACCEPTED',
  'REQUEST_RETURNS_FAILURE',
  'REQUEST_RETURNS_REFUSAL',
  'REQUEST_TIMES_OUT',
] as const;

/** One of {@link MAGIC_VALUES}. */
export type MagicValue = (typeof MAGIC_VALUES)[number];

/** The callbacks Tessera calls, named as the contract's `CallbackUrls` names them. */
export type CallbackOperation =
  'create' | 'activationInfo' | 'update' | 'suspend' | 'resume' | 'terminate';

/** How the demo merchant treats one product. */
export interface ProductSettings {
  /** Shown on the sign-up page; the product key when unset. */
  name?: string;
  /** Default answers for this product; a matching `X-Magic-Number` value still wins. */
  magic?: readonly MagicValue[];
}

/** Product settings by `productKey`. */
export type ProductCatalogue = Record<string, ProductSettings>;

/**
 * The sandbox catalogue's products of merchant `DEMO_MUSIC`: `MUSIC` activates at once,
 * `MUSIC_PREMIUM` needs the user to sign up first.
 */
export const DEFAULT_PRODUCTS: ProductCatalogue = {
  MUSIC: { name: 'Demo Music', magic: ['CREATE_REQUEST_RETURNS_ACTIVATED'] },
  MUSIC_PREMIUM: {
    name: 'Demo Music Premium',
    magic: ['CREATE_REQUEST_RETURNS_ACTIVATION_REQUIRED'],
  },
};

const ANY_OPERATION = ['REQUEST_RETURNS_FAILURE', 'REQUEST_RETURNS_REFUSAL', 'REQUEST_TIMES_OUT'];

// A value meant for another operation is ignored, so one header (or one product's list) can
// steer a whole lifecycle, e.g. "activation code on create, queued on terminate".
const HEEDED: Record<CallbackOperation, readonly string[]> = {
  create: [
    'CREATE_REQUEST_RETURNS_ACTIVATED',
    'CREATE_REQUEST_RETURNS_CREATED',
    'CREATE_REQUEST_RETURNS_ACTIVATION_REQUIRED',
    'CREATE_REQUEST_RETURNS_ACTIVATION_CODE',
    'REQUEST_RETURNS_ACCEPTED',
    ...ANY_OPERATION,
  ],
  activationInfo: [
    'ACTIVATION_INFO_RETURNS_ACTIVATION_URL',
    'ACTIVATION_INFO_RETURNS_ACTIVATION_CODE',
    ...ANY_OPERATION,
  ],
  update: ['UPDATE_REQUEST_RETURNS_ACTIVATION_REQUIRED', ...ANY_OPERATION],
  suspend: ['REQUEST_RETURNS_ACCEPTED', ...ANY_OPERATION],
  resume: ['REQUEST_RETURNS_ACCEPTED', ...ANY_OPERATION],
  terminate: ['TERMINATE_REQUEST_ENDS_NOW', 'REQUEST_RETURNS_ACCEPTED', ...ANY_OPERATION],
};

/**
 * Splits an `X-Magic-Number` header into its values. Commas or spaces separate several values,
 * so that one request can carry answers for different operations.
 */
export function parseMagicHeader(header: string | undefined): string[] {
  return (header ?? '')
    .split(/[\s,]+/)
    .map((value) => value.trim().toUpperCase())
    .filter((value) => value !== '');
}

/** Decides which answer to give, from the request's magic values and the product's defaults. */
export class Behaviour {
  constructor(private readonly products: ProductCatalogue) {}

  /**
   * The magic value that steers `operation` for `productKey`: the first requested value the
   * operation heeds, else the product's first such default, else none (the normal answer).
   */
  pick(
    operation: CallbackOperation,
    productKey: string,
    requested: readonly string[],
  ): MagicValue | undefined {
    const heeded = HEEDED[operation];
    const fits = (value: string): value is MagicValue => heeded.includes(value);
    const defaults = this.products[productKey]?.magic ?? [];

    return requested.find(fits) ?? defaults.find(fits);
  }

  /** The product's display name for people. */
  productName(productKey: string): string {
    return this.products[productKey]?.name ?? productKey;
  }
}
