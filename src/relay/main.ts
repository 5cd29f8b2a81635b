/**
 * `npm run relay -- --port 8787 --data ./relay-data [--db postgres://…] [--host 0.0.0.0]
 *  [--tls-cert cert.pem --tls-key key.pem] [--durability full] [--max-connections-per-ip N] [--key identity.key]`
 * Flags override the environment (PARLEY_RELAY_PORT, _DATA, _DB, _HOST, _TLS_CERT, _TLS_KEY, _DURABILITY, _LOG_LEVEL, _MAX_CONNECTIONS_PER_IP, _KEY).
 * Prints one line when listening (with the relay's identity key); exits cleanly on SIGTERM and SIGINT.
 */
import { parseArgs } from 'node:util';
import { startRelay } from './server';

const FLAGS = ['port', 'data', 'db', 'host', 'tls-cert', 'tls-key', 'durability', 'log-level', 'max-connections-per-ip', 'key'] as const;

function config(): Record<(typeof FLAGS)[number], string | undefined> {
  const { values } = parseArgs({ options: Object.fromEntries(FLAGS.map((f) => [f, { type: 'string' as const }])), strict: true });
  const env = (f: string): string | undefined => process.env[`PARLEY_RELAY_${f.toUpperCase().replaceAll('-', '_')}`];
  return Object.fromEntries(FLAGS.map((f) => [f, (values as Record<string, string | undefined>)[f] ?? env(f)])) as Record<(typeof FLAGS)[number], string | undefined>;
}

async function main(): Promise<void> {
  let c;
  try {
    c = config();
  } catch (e) {
    console.error(`parley-relay: ${e instanceof Error ? e.message : 'bad arguments'}`);
    process.exit(2);
  }
  const port = Number(c.port ?? '8787');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('parley-relay: --port must be 0..65535');
    process.exit(2);
  }
  const perIp = c['max-connections-per-ip'];
  if (perIp !== undefined && !(Number.isInteger(Number(perIp)) && Number(perIp) > 0)) {
    console.error('parley-relay: --max-connections-per-ip must be a positive integer');
    process.exit(2);
  }
  if ((c['tls-cert'] === undefined) !== (c['tls-key'] === undefined)) {
    console.error('parley-relay: --tls-cert and --tls-key go together');
    process.exit(2);
  }
  const started = startRelay({
    port,
    host: c.host ?? '127.0.0.1',
    dataDir: c.data ?? './relay-data',
    keyFile: c.key,
    db: c.db,
    durability: c.durability === 'full' ? 'full' : 'normal',
    tls: c['tls-cert'] && c['tls-key'] ? { cert: c['tls-cert'], key: c['tls-key'] } : undefined,
    logLevel: c['log-level'] ?? 'warn',
    limits: c['max-connections-per-ip'] ? { maxConnectionsPerIp: Number(c['max-connections-per-ip']) } : {},
  });
  const relay = await started.catch((e: unknown) => {
    // A missing or malformed --key file, a port in use: say which, and stop (no key material is in these messages).
    console.error(`parley-relay: cannot start: ${e instanceof Error ? e.message : 'unknown error'}`);
    process.exit(1);
  });
  console.log(`parley-relay listening on ${relay.url} (${relay.context.store.kind}) key ${relay.relayKey}`);
  const stop = (): void => {
    void relay.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// The process never crashes on a stray error; only the error's name is logged (messages may carry data).
process.on('uncaughtException', (e) => console.error(`parley-relay: uncaught ${e.name}`));
process.on('unhandledRejection', (e) => console.error(`parley-relay: unhandled rejection ${e instanceof Error ? e.name : typeof e}`));
void main();
