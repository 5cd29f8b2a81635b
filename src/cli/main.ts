/**
 * `parley` entry point: wires process I/O to runCli. `--version` answers from
 * this module alone; the core (libsodium, SQLite, the relay client) is
 * imported only for a command, so the version prints in a few ms
 * more than Node's own start.
 */
import { createInterface } from 'node:readline';
import { VERSION, versionRequest } from './version';

function readPassphrase(): Promise<string | null> {
  if (!process.stdin.isTTY) return Promise.resolve(null);
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.startsWith('Passphrase: ')) write(s);
    };
    rl.question('Passphrase: ', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

/** One line of input: asked on a terminal (prompt on stderr), else the next line of piped stdin; null at its end. */
function readLine(prompt: string): Promise<{ text: string; terminal: boolean } | null> {
  const terminal = Boolean(process.stdin.isTTY);
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: terminal ? process.stderr : undefined, terminal });
    let answered = false;
    rl.once('close', () => answered || resolve(null));
    const done = (text: string) => {
      answered = true;
      rl.close();
      resolve({ text, terminal });
    };
    if (terminal) rl.question(prompt, done);
    else rl.once('line', done);
  });
}

/** Asks a yes/no question on the terminal (stderr); null when stdin is not a terminal. */
function confirm(question: string): Promise<boolean | null> {
  if (!process.stdin.isTTY) return Promise.resolve(null);
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    rl.question(question, (answer) => {
      rl.close();
      resolve(/^y(es)?$/iu.test(answer.trim()));
    });
  });
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.length > 4096) break; // a phrase is far shorter; stop reading junk
  }
  return text;
}

async function run(argv: readonly string[]): Promise<number> {
  const request = versionRequest(argv);
  if (request !== null) {
    process.stdout.write(`${request.json ? JSON.stringify({ version: VERSION }) : VERSION}\n`);
    return 0;
  }
  const stopSignal = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const { runCli } = await import('./run');
  return runCli(argv, {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    readPassphrase,
    stopSignal,
    readStdin,
    input: process.stdin,
    readLine,
    confirm,
  });
}

process.exit(await run(process.argv.slice(2)));
