/** Fresh device keys for sealed-sender tests: a recipient's Ed25519 key with its X25519 pair, and a sender as seal() takes it. */
import sodium from 'libsodium-wrappers-sumo';

/** A recipient device: its Ed25519 public key and X25519 key pair. Call after sodium.ready. */
export function sealDevice() {
  const kp = sodium.crypto_sign_keypair();
  return {
    publicKey: kp.publicKey,
    x25519: { publicKey: sodium.crypto_sign_ed25519_pk_to_curve25519(kp.publicKey), privateKey: sodium.crypto_sign_ed25519_sk_to_curve25519(kp.privateKey) },
  };
}

/** A sending device with a fresh account key. Call after sodium.ready. */
export function sealSender() {
  const d = sealDevice();
  return { accountKey: sodium.crypto_sign_keypair().publicKey, deviceKey: d.publicKey, x25519PrivateKey: d.x25519.privateKey };
}
