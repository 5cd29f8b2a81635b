/**
 * What this build is and which cryptographic suite it runs, read from the
 * live libsodium instance rather than hard-coded.
 */
import sodium from 'libsodium-wrappers-sumo';
import type { AppInfo } from '../../shared/contract';

/** The build's name, version and platform as the shell (or the CLI) knows them. */
export interface AppIdentity {
  readonly name: string;
  readonly version: string;
  readonly platform: string;
}

/** Builds the About information, with the crypto suite probed from the running libsodium. */
export async function readAppInfo(identity: AppIdentity): Promise<AppInfo> {
  await sodium.ready;
  const kem = typeof sodium.crypto_kem_mlkem768_keypair === 'function' ? 'ML-KEM-768' : 'unavailable';
  return {
    name: identity.name,
    version: identity.version,
    platform: identity.platform,
    crypto: {
      library: 'libsodium',
      libraryVersion: sodium.sodium_version_string(),
      aead: 'XChaCha20-Poly1305',
      kem,
    },
  };
}
