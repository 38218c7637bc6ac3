import type { Credential, Merchant, Product, Reseller, Route } from '../entities';
import type { components } from '../generated/contract';
import type { ReceiverAuth } from '../merchants/merchant-gateway';
import { iso } from './entitlement-views';

type Schemas = components['schemas'];
export type ResellerResource = Schemas['Reseller'];
export type MerchantResource = Schemas['Merchant'];
export type ProductResource = Schemas['Product'];
export type RouteResource = Schemas['Route'];
export type CredentialResource = Schemas['Credential'];
export type ReceiverAuthResource = Schemas['ReceiverAuth'];

/** Receiver auth without its secrets, which are write-only. */
export function publicAuth(auth: ReceiverAuth): ReceiverAuthResource {
  switch (auth.type) {
    case 'BASIC':
      return { type: auth.type, username: auth.username };
    case 'OAUTH2_CLIENT_CREDENTIALS': {
      const { clientSecret: _secret, ...rest } = auth;
      return rest;
    }
    default:
      return { type: auth.type };
  }
}

export function toResellerResource(reseller: Reseller): ResellerResource {
  return {
    resellerKey: reseller.resellerKey,
    name: reseller.name,
    sandbox: reseller.sandbox,
    defaultNotificationUrl: reseller.defaultNotificationUrl,
    notificationAuth: publicAuth(reseller.notificationAuth),
    dateCreated: iso(reseller.createdAt),
  };
}

export function toMerchantResource(merchant: Merchant): MerchantResource {
  return {
    merchantAccountKey: merchant.merchantAccountKey,
    name: merchant.name,
    sandbox: merchant.sandbox,
    callbackUrls: merchant.callbackUrls,
    callbackAuth: publicAuth(merchant.callbackAuth),
    callbackTimeoutMs: merchant.callbackTimeoutMs,
    dateCreated: iso(merchant.createdAt),
  };
}

export function toProductResource(product: Product, merchant: Merchant): ProductResource {
  return {
    productKey: product.productKey,
    merchantAccountKey: merchant.merchantAccountKey,
    name: product.name,
    dateCreated: iso(product.createdAt),
  };
}

export function toRouteResource(route: Route, reseller: Reseller, merchant: Merchant) {
  const resource: RouteResource = {
    routeId: route.id,
    resellerKey: reseller.resellerKey,
    merchantAccountKey: merchant.merchantAccountKey,
    productKeys: route.productKeys,
    maxLiveEntitlementsPerCustomer: route.maxLivePerCustomer,
    shareCustomerIdentifier: route.shareCustomerIdentifier,
    routeExtensionData: route.routeExtensionData,
    supportedOperations: route.supportedOperations,
    dateCreated: iso(route.createdAt),
  };
  return resource;
}

export function toCredentialResource(credential: Credential): CredentialResource {
  const ownerKey =
    credential.ownerType === 'RESELLER'
      ? credential.reseller?.resellerKey
      : credential.merchant?.merchantAccountKey;
  return {
    credentialId: credential.id,
    ownerType: credential.ownerType,
    ownerKey: ownerKey ?? '',
    username: credential.username,
    allowedIps: credential.allowedIps,
    dateCreated: iso(credential.createdAt),
    dateRevoked: iso(credential.revokedAt),
  };
}
