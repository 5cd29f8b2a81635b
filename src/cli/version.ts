/**
 * `parley --version [--json]`: recognised before anything heavy is loaded,
 * so this module imports nothing.
 */

/** Replaced by package.json's version when scripts/build-node.mjs compiles the CLI. */
declare const PARLEY_VERSION: string | undefined;

/** The package version; sources run without the build (through tsx) have none. */
export const VERSION = typeof PARLEY_VERSION === 'string' ? PARLEY_VERSION : 'unbuilt';

/** What `--version` asks for: the plain version or one JSON object. */
export interface VersionRequest {
  readonly json: boolean;
}

/**
 * The version request when argv is `--version`, optionally with `--json`,
 * and nothing else; null otherwise (a command, where `--version` could be
 * the text of a message).
 */
export function versionRequest(argv: readonly string[]): VersionRequest | null {
  if (!argv.includes('--version')) return null;
  if (!argv.every((a) => a === '--version' || a === '--json')) return null;
  return { json: argv.includes('--json') };
}
