import { rejectingDuplicates } from '../database/duplicate-key';
import type { Tx } from '../database/transaction';
import { Credential } from '../entities';

const WITH_OWNER = { reseller: true, merchant: true } as const;

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
    return tx.findOne(Credential, { where: { id }, relations: WITH_OWNER });
  }

  findByUsername(tx: Tx, username: string): Promise<Credential | null> {
    return tx.findOne(Credential, { where: { username }, relations: WITH_OWNER });
  }

  /** All credentials, oldest first. */
  list(tx: Tx): Promise<Credential[]> {
    return tx.find(Credential, {
      relations: WITH_OWNER,
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }
}
