import assert from 'node:assert/strict';

import { Reseller } from '../../src/entities';
import { ProblemError } from '../../src/errors/problem';
import { verifySecret } from '../../src/security/secret-hash';
import { describeEachDatabase } from '../helpers/databases';
import { rejectsWith, settleAll } from './helpers/assertions';
import { DomainWorld } from './helpers/domain-world';

describeEachDatabase('the catalogue', (db) => {
  let world: DomainWorld;

  before(async () => {
    world = await DomainWorld.open(db);
  });

  after(async () => {
    await world.close();
  });

  const catalogue = () => world.services.catalogue;

  it('creates a reseller with a whsec_ signing secret and hides receiver secrets', async () => {
    const created = await catalogue().createReseller({
      resellerKey: 'ACME_TELCO',
      name: 'Acme Telco',
      notificationAuth: { type: 'BASIC', username: 'acme', password: 'hush' },
    });
    assert.deepEqual(created.notificationAuth, { type: 'BASIC', username: 'acme' });
    assert.equal(created.sandbox, false);
    assert.deepEqual(await catalogue().getReseller('ACME_TELCO'), created);

    const row = await world.dataSource
      .getRepository(Reseller)
      .findOneByOrFail({ resellerKey: 'ACME_TELCO' });
    assert.match(row.signingSecret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(row.signingSecret.slice(6), 'base64').length, 32);

    await rejectsWith(
      catalogue().createReseller({ resellerKey: 'ACME_TELCO', name: 'Again' }),
      'CONFLICT',
    );
    await rejectsWith(catalogue().getReseller('NOBODY'), 'NOT_FOUND');
  });

  it('updates a reseller sparsely, keeping a write-only secret not sent again', async () => {
    const updated = await catalogue().updateReseller('ACME_TELCO', {
      name: 'Acme',
      notificationAuth: { type: 'BASIC', username: 'acme2' },
    });
    assert.equal(updated.name, 'Acme');
    const row = await world.dataSource
      .getRepository(Reseller)
      .findOneByOrFail({ resellerKey: 'ACME_TELCO' });
    assert.deepEqual(row.notificationAuth, { type: 'BASIC', username: 'acme2', password: 'hush' });
    await rejectsWith(
      catalogue().updateReseller('ACME_TELCO', { notificationAuth: { type: 'API_KEY' } }),
      'BAD_REQUEST',
    );
  });

  it('rotates the signing secret, keeping the old one for 7 days', async () => {
    const before = await world.dataSource
      .getRepository(Reseller)
      .findOneByOrFail({ resellerKey: 'ACME_TELCO' });
    const rotated = await catalogue().rotateSigningSecret('ACME_TELCO');
    const after = await world.dataSource
      .getRepository(Reseller)
      .findOneByOrFail({ resellerKey: 'ACME_TELCO' });
    assert.equal(after.signingSecret, rotated.secret);
    assert.equal(after.previousSigningSecret, before.signingSecret);
    assert.equal(Buffer.from(rotated.secret.slice(6), 'base64').length, 32);
    const week = world.clock.now().getTime() + 7 * 24 * 3600_000;
    assert.equal(rotated.previousSecretValidUntil, new Date(week).toISOString());
  });

  it('creates merchants, products and routes with their defaults and checks', async () => {
    const merchant = await catalogue().createMerchant({
      merchantAccountKey: 'ACME_VIDEO',
      name: 'Acme Video',
      callbackUrls: { create: 'https://video.test/e' },
      callbackAuth: {
        type: 'OAUTH2_CLIENT_CREDENTIALS',
        tokenUrl: 'https://video.test/t',
        clientId: 'c',
        clientSecret: 's',
      },
    });
    assert.equal(merchant.callbackTimeoutMs, 5000);
    assert.deepEqual(merchant.callbackAuth, {
      type: 'OAUTH2_CLIENT_CREDENTIALS',
      tokenUrl: 'https://video.test/t',
      clientId: 'c',
    });

    const product = await catalogue().createProduct({
      productKey: 'VIDEO_HD',
      merchantAccountKey: 'ACME_VIDEO',
      name: 'HD',
    });
    assert.equal(product.merchantAccountKey, 'ACME_VIDEO');
    await rejectsWith(
      catalogue().createProduct({
        productKey: 'VIDEO_HD',
        merchantAccountKey: 'ACME_VIDEO',
        name: 'x',
      }),
      'CONFLICT',
    );
    await rejectsWith(
      catalogue().createProduct({
        productKey: 'VIDEO_4K',
        merchantAccountKey: 'NOBODY',
        name: 'x',
      }),
      'NOT_FOUND',
    );

    const route = await catalogue().createRoute({
      resellerKey: 'ACME_TELCO',
      merchantAccountKey: 'ACME_VIDEO',
      productKeys: ['VIDEO_HD'],
    });
    assert.equal(route.maxLiveEntitlementsPerCustomer, 1);
    assert.equal(route.shareCustomerIdentifier, false);
    assert.ok(!route.supportedOperations.includes('MERCHANT_SUSPEND'));
    assert.deepEqual(await catalogue().getRoute(route.routeId), route);
    await rejectsWith(
      catalogue().createRoute({
        resellerKey: 'ACME_TELCO',
        merchantAccountKey: 'ACME_VIDEO',
        productKeys: ['VIDEO_HD'],
      }),
      'CONFLICT',
    );

    const updated = await catalogue().updateRoute(route.routeId, {
      maxLiveEntitlementsPerCustomer: 3,
    });
    assert.equal(updated.maxLiveEntitlementsPerCustomer, 3);
    await rejectsWith(
      catalogue().updateRoute(route.routeId, { productKeys: ['NOPE'] }),
      'BAD_REQUEST',
    );
    assert.equal((await catalogue().listRoutes()).length, 1);
    assert.equal((await catalogue().listProducts()).length, 1);
  });

  it('issues a credential whose password is shown once and stored as an scrypt hash', async () => {
    const issued = await catalogue().issueCredential({
      ownerType: 'RESELLER',
      ownerKey: 'ACME_TELCO',
      allowedIps: ['203.0.113.0/24', '2001:db8::1'],
    });
    assert.match(issued.username, /^acme-telco-[0-9a-f]{8}$/);
    assert.ok(issued.password.length >= 32);
    assert.deepEqual(issued.allowedIps, ['203.0.113.0/24', '2001:db8::1']);

    const login = await catalogue().findCredentialByUsername(issued.username);
    assert.ok(login?.secretHash.startsWith('scrypt$'));
    assert.equal(await verifySecret(issued.password, login?.secretHash ?? ''), true);
    assert.equal(login?.reseller?.resellerKey, 'ACME_TELCO');
    const listed = await catalogue().listCredentials();
    assert.equal(listed.length, 1);
    assert.equal('password' in (listed[0] as object), false);

    const revoked = await catalogue().revokeCredential(issued.credentialId);
    assert.equal(revoked.dateRevoked, world.clock.now().toISOString());
    assert.deepEqual(await catalogue().revokeCredential(issued.credentialId), revoked);
    await rejectsWith(
      catalogue().issueCredential({
        ownerType: 'MERCHANT',
        ownerKey: 'ACME_VIDEO',
        allowedIps: ['not-an-ip'],
      }),
      'BAD_REQUEST',
    );
    await rejectsWith(
      catalogue().issueCredential({ ownerType: 'MERCHANT', ownerKey: 'NOBODY' }),
      'NOT_FOUND',
    );
  });

  it('answers 409, not 500, to creates of a taken key, also when they race', async () => {
    const creates: Record<string, () => Promise<unknown>> = {
      resellerKey: () => catalogue().createReseller({ resellerKey: 'RACE_TELCO', name: 'Race' }),
      merchantAccountKey: () =>
        catalogue().createMerchant({
          merchantAccountKey: 'RACE_MUSIC',
          name: 'Race',
          callbackUrls: { create: 'https://race.test/e' },
        }),
      productKey: () =>
        catalogue().createProduct({
          productKey: 'RACE_SONGS',
          merchantAccountKey: 'RACE_MUSIC',
          name: 'Race',
        }),
      'route pair': () =>
        catalogue().createRoute({
          resellerKey: 'RACE_TELCO',
          merchantAccountKey: 'RACE_MUSIC',
          productKeys: ['RACE_SONGS'],
        }),
      username: () =>
        catalogue().issueCredential(
          { ownerType: 'RESELLER', ownerKey: 'RACE_TELCO' },
          { username: 'race-login', password: 'race-password' },
        ),
    };
    for (const [key, create] of Object.entries(creates)) {
      // Both pass any check made before the insert; the unique constraint decides.
      const { fulfilled, rejected } = await settleAll([create(), create()]);
      assert.equal(fulfilled.length, 1, `one create of a ${key} wins`);
      assert.ok(rejected[0] instanceof ProblemError, `${key}: ${String(rejected[0])}`);
      assert.equal(rejected[0].responseCode, 'CONFLICT', key);
      await rejectsWith(create(), 'CONFLICT');
    }
  });
});
