/** The answer to a "send me the chain" request (groups/chainRepair.ts): what follows the asker's head, in order, and never more than the bound. */
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import { GROUP_CHAIN_ANSWER_MAX_BYTES } from '../../../src/shared/constants';
import { toBase64Url } from '../../../src/shared/wire/encoding';
import { chainAnswer } from '../../../src/main/groups/chainRepair';
import { applyVersion, signVersion, versionHash, type GroupState, type GroupVersion } from '../../../src/main/groups/protocol/groupState';

const gid = toBase64Url(new Uint8Array(32).fill(5));
let chain: GroupVersion[] = [];

beforeAll(async () => {
  await sodium.ready;
  const kp = sodium.crypto_sign_keypair();
  const ada = toBase64Url(kp.publicKey);
  let state: GroupState | null = null;
  const next = (change: Parameters<typeof signVersion>[4]): void => {
    const v = signVersion(state, gid, ada, kp.privateKey, change);
    state = applyVersion(state, v);
    chain.push(v);
  };
  chain = [];
  next({ type: 'create', name: 'Lighthouse', members: [{ accountId: ada, role: 'admin', name: 'Ada' }], timer: null });
  // Renames at the longest name until the chain is well past one answer's bound.
  while (chain.reduce((n, v) => n + JSON.stringify(v).length, 0) < 2 * GROUP_CHAIN_ANSWER_MAX_BYTES) next({ type: 'rename', name: `Lighthouse ${chain.length}`.padEnd(64, 'x') });
});

const heights = (jsons: readonly string[]): number[] => jsons.map((j) => (JSON.parse(j) as GroupVersion).height);

describe('the answer to a chain request', () => {
  it('carries the versions after the asker’s head, in chain order', () => {
    const at = 7;
    const out = chainAnswer(chain.slice(0, at + 5), versionHash(chain[at - 1]!));
    expect(heights(out)).toEqual([at + 1, at + 2, at + 3, at + 4, at + 5]);
  });

  it('carries the chain from its start when the asker’s head is not on it, and nothing when the asker is at the head', () => {
    expect(heights(chainAnswer(chain.slice(0, 4), toBase64Url(new Uint8Array(32).fill(9))))).toEqual([1, 2, 3, 4]);
    expect(chainAnswer(chain.slice(0, 4), versionHash(chain[3]!))).toEqual([]);
  });

  it('stops at GROUP_CHAIN_ANSWER_MAX_BYTES of versions, so what one request makes a member seal is bounded', () => {
    const out = chainAnswer(chain, versionHash(chain[0]!));
    expect(out.reduce((n, j) => n + j.length, 0)).toBeLessThanOrEqual(GROUP_CHAIN_ANSWER_MAX_BYTES);
    expect(out.length).toBeLessThan(chain.length - 1);
    expect(heights(out)).toEqual(chain.slice(1, out.length + 1).map((v) => v.height));
    // The next request, from the head that answer reached, goes on where it stopped.
    const last = JSON.parse(out.at(-1)!) as GroupVersion;
    expect(heights(chainAnswer(chain, versionHash(last)))[0]).toBe(last.height + 1);
  });
});
