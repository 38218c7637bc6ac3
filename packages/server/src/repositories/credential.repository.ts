import type { SelectQueryBuilder } from 'typeorm';

import { rejectingDuplicates } from '../database/duplicate-key';
import { PreparedSelect } from '../database/prepared-select';
import type { Tx } from '../database/transaction';
import { Credential } from '../entities';

const WITH_OWNER = { reseller: true, merchant: true } as const;

/**
 * A credential with its owner in one statement. `findOne` with `relations` sends two (a
 * DISTINCT subquery for its implicit LIMIT 1, then the join), on every authenticated request.
 */
function withOwner(tx: Tx): SelectQueryBuilder<Credential> {
  return tx
    .createQueryBuilder(Credential, 'credential')
    .leftJoinAndSelect('credential.reseller', 'reseller')
    .leftJoinAndSelect('credential.merchant', 'merchant');
}

// Prepared: every authenticated request reads its credential.
const BY_ID = new PreparedSelect((tx) => withOwner(tx).where('credential.id = :id'));
const BY_USERNAME = new PreparedSelect((tx) =>
  withOwner(tx).where('credential.username = :username'),
);

/** Reads and writes API credentials; every credential is returned with its owner. */
export class CredentialRepository {
  /** Throws `DuplicateKeyError` when a unique key is taken (also by a concurrent insert). */
  async insert(tx: Tx, credential: Credential): Promise<void> {
    await rejectingDuplicates(() => tx.insert(Credential, credential));
  }

  save(tx: Tx, credential: Credential): Promise<Credential> {
    return tx.save(Credential, credential);
  }

  findById(tx: Tx, id: string): Promise<Credential | null> {
    return BY_ID.getOne(tx, { id });
  }

  findByUsername(tx: Tx, username: string): Promise<Credential | null> {
    return BY_USERNAME.getOne(tx, { username });
  }

  /** All credentials, oldest first. */
  list(tx: Tx): Promise<Credential[]> {
    return tx.find(Credential, {
      relations: WITH_OWNER,
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }
}
