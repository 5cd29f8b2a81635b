import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { ProvisioningError, ProvisioningReceiver, ProvisioningSender, startProvisioning } from '../../../src/main/devices/provisioningCipher';
import { encodeCheckedCode } from '../../../src/shared/wire/checkedCode';
import { concatBytes, toBase64Url } from '../../../src/shared/wire/encoding';
import { decodeLinkCode, encodeLinkCode, LINK_PREFIX, LinkCodeError, type LinkCode } from '../../../src/shared/wire/linkCode';

beforeAll(async () => {
  await sodium.ready;
});

const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const link = (deviceName: string, relayUrl = 'ws://127.0.0.1:8787'): LinkCode => ({
  provisioningId: bytes(16),
  ephemeralKey: bytes(32),
  deviceKey: bytes(32),
  deviceName,
  relayUrl,
  relayKey: bytes(32),
});
const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof LinkCodeError ? e.code : 'untyped';
  }
};
/** A version-2 link code with a hand-made 32-byte name field, to reach the decoder's own checks. */
const withNameField = (field: Uint8Array): string =>
  encodeCheckedCode({ prefix: LINK_PREFIX, version: 2, bodyBytes: 112 }, concatBytes(bytes(16), bytes(32), bytes(32), field), 'ws://x:1') as string;
const nameField = (...b: number[]): Uint8Array => {
  const f = new Uint8Array(32);
  f.set(b);
  return f;
};

describe('link codes (version 3)', () => {
  it('round-trip the provisioning id, the keys, the device name, the relay and its key', () => {
    const l = link('Work laptop');
    const code = encodeLinkCode(l);
    expect(code.startsWith('parleylink1')).toBe(true);
    expect(decodeLinkCode(`  ${code}
`)).toEqual(l);
  });

  it('catch every single-character corruption by the CRC or as malformed', () => {
    const code = encodeLinkCode(link('Büro 💻', 'wss://relay.example:8443'));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let tried = 0;
    for (let i = 0; i < code.length; i++) {
      for (const c of `${alphabet}=+/ .`) {
        if (c === code[i]) continue;
        const bad = code.slice(0, i) + c + code.slice(i + 1);
        const got = codeOf(() => decodeLinkCode(bad));
        if (got !== 'LINK_CHECKSUM' && got !== 'LINK_MALFORMED') throw new Error(`corruption at ${i} to ${c} gave ${got}`);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(code.length * 60);
  });

  it('carry a 32-byte name of multi-byte UTF-8 and refuse a 33-byte one', () => {
    const name32 = '💻'.repeat(6) + 'ü'.repeat(4); // 24 + 8 bytes
    expect(new TextEncoder().encode(name32).length).toBe(32);
    expect(decodeLinkCode(encodeLinkCode(link(name32))).deviceName).toBe(name32);
    const name33 = name32 + 'a';
    expect(codeOf(() => encodeLinkCode(link(name33)))).toBe('LINK_MALFORMED');
    const cjk = '日本語のパソコン' + 'üüüü'; // 24 + 8 bytes
    expect(decodeLinkCode(encodeLinkCode(link(cjk))).deviceName).toBe(cjk);
    expect(codeOf(() => encodeLinkCode(link('a' + 'ü'.repeat(16))))).toBe('LINK_MALFORMED'); // 1 + 32 bytes
  });

  it('refuse empty, control-character and bidi-override names, and wrong key sizes, with LINK_MALFORMED', () => {
    for (const name of ['', '   ', 'a\nb', 'tab\there', 'nul\0', 'del\x7f', 'c1\x85', 'rtl\u202Eevil', 'iso\u2066x', 'line\u2028x', 'lone\uD800']) {
      expect(codeOf(() => encodeLinkCode(link(name))), JSON.stringify(name)).toBe('LINK_MALFORMED');
    }
    expect(codeOf(() => encodeLinkCode({ ...link('x'), deviceKey: bytes(31) }))).toBe('LINK_MALFORMED');
    expect(codeOf(() => encodeLinkCode({ ...link('x'), ephemeralKey: bytes(33) }))).toBe('LINK_MALFORMED');
    expect(codeOf(() => encodeLinkCode(link('x', `ws://${'a'.repeat(300)}`)))).toBe('LINK_MALFORMED');
  });

  it('refuse a checksummed code whose name field is empty, not UTF-8, holds a control character or is not zero-padded', () => {
    expect(decodeLinkCode(withNameField(nameField(0x68, 0x69))).deviceName).toBe('hi');
    const bad = [nameField(), nameField(0xff, 0x61), nameField(0xc3), nameField(0x61, 0x0a, 0x62), nameField(0x61, 0, 0x62), nameField(0x20, 0x20), nameField(0xe2, 0x80, 0xae)];
    for (const field of bad) expect(codeOf(() => decodeLinkCode(withNameField(field))), toBase64Url(field)).toBe('LINK_MALFORMED');
  });

  it('still decode a version-2 code (no relay key), with relayKey null', () => {
    const l = { ...link('Old desk'), relayKey: null };
    const v2 = encodeCheckedCode({ prefix: LINK_PREFIX, version: 2, bodyBytes: 112 }, concatBytes(l.provisioningId, l.ephemeralKey, l.deviceKey, nameField(...new TextEncoder().encode('Old desk'))), l.relayUrl) as string;
    expect(decodeLinkCode(v2)).toEqual(l);
    expect(encodeLinkCode(l)).toBe(v2);
  });

  it('tell a version-1 code (no device key or name) apart, with LINK_VERSION and a message naming the older Parley', () => {
    const v1 = encodeCheckedCode({ prefix: LINK_PREFIX, version: 1, bodyBytes: 48 }, bytes(48), 'ws://127.0.0.1:8787') as string;
    expect(() => decodeLinkCode(v1)).toThrow(expect.objectContaining({ code: 'LINK_VERSION', message: expect.stringMatching(/older Parley/) }));
    const v4 = encodeCheckedCode({ prefix: LINK_PREFIX, version: 4, bodyBytes: 200 }, bytes(200), 'ws://127.0.0.1:8787') as string;
    expect(() => decodeLinkCode(v4)).toThrow(expect.objectContaining({ code: 'LINK_VERSION', message: expect.stringMatching(/newer Parley/) }));
  });

  it('reject typos and garbage with typed errors', () => {
    const code = encodeLinkCode(link('Desk'));
    const typo = code.slice(0, 30) + (code[30] === 'A' ? 'B' : 'A') + code.slice(31);
    expect(() => decodeLinkCode(typo)).toThrow(expect.objectContaining({ code: 'LINK_CHECKSUM' }));
    for (const bad of ['', 'parleylink1', 'parley1abc', code.slice(0, 40), code.slice(0, -1)]) expect(() => decodeLinkCode(bad)).toThrow(LinkCodeError);
  });
});

describe('provisioning encryption', () => {
  function pair() {
    const receiver = new ProvisioningReceiver();
    const { senderEphemeral, key } = startProvisioning(receiver.publicKey, receiver.provisioningId);
    return { receiver, sender: key, rx: receiver.open(senderEphemeral) };
  }

  it('delivers every chunk to the device that showed the code, in any order (resumable)', () => {
    const { sender, rx } = pair();
    const chunks = [0, 1, 2].map((i) => new Uint8Array(randomBytes(100 + i)));
    const sealed = chunks.map((c, i) => sender.sealChunk(i, 3, c));
    for (const i of [2, 0, 1]) expect([...rx.openChunk(i, 3, sealed[i]!)]).toEqual([...chunks[i]!]);
  });

  it('fails cleanly when a relay alters, reorders, truncates or substitutes keys', () => {
    const { receiver, sender, rx } = pair();
    const sealed = sender.sealChunk(0, 2, new Uint8Array([1, 2, 3]));
    const flipped = sealed.slice();
    flipped[5]! ^= 1;
    expect(() => rx.openChunk(0, 2, flipped)).toThrow(ProvisioningError);
    expect(() => rx.openChunk(1, 2, sealed)).toThrow(ProvisioningError);
    expect(() => rx.openChunk(0, 1, sealed)).toThrow(ProvisioningError);
    // A relay that swaps in its own ephemeral key derives a different key.
    const mitm = startProvisioning(new ProvisioningReceiver().publicKey, receiver.provisioningId);
    expect(() => receiver.open(mitm.senderEphemeral).openChunk(0, 2, sealed)).toThrow(ProvisioningError);
    expect(JSON.stringify({ rx })).not.toMatch(/[0-9a-f]{32}/);
  });
});

describe('the linking short code', () => {
  it('is the same on the new device and on the sender that answered, and the same for one code each time that sender is asked', () => {
    const receiver = new ProvisioningReceiver();
    const sender = new ProvisioningSender();
    const shown = sender.shortCode(receiver.publicKey, receiver.provisioningId);
    expect(shown).toMatch(/^\d{4} \d{4}$/u);
    expect(sender.shortCode(receiver.publicKey, receiver.provisioningId)).toBe(shown);
    const { senderEphemeral, key } = sender.start(receiver.publicKey, receiver.provisioningId);
    key.dispose();
    expect(receiver.open(senderEphemeral).shortCode()).toBe(shown);
  });

  it('differs for anyone else who answers the same code, even with the honest answer in hand', () => {
    const receiver = new ProvisioningReceiver();
    const honest = new ProvisioningSender();
    const shown = honest.shortCode(receiver.publicKey, receiver.provisioningId);
    // Attackers who saw the code (and the honest ephemeral key) answer with keys of their own: each is one blind guess.
    const others = Array.from({ length: 50 }, () => new ProvisioningSender().shortCode(receiver.publicKey, receiver.provisioningId));
    expect(others).not.toContain(shown);
    expect(new Set(others).size).toBe(50);
    expect(JSON.stringify({ honest })).not.toMatch(/[0-9a-f]{16}/u);
  });
});
