// Drives the official @daytonaio/sdk against daytona_emulator: the evidence
// that the emulator speaks Daytona's API. Usage: node conformance.mjs PORT
// Prints "N passed, N failed" and exits non-zero when a check fails.
import {
  Daytona,
  DaytonaNotFoundError,
  DaytonaRateLimitError,
} from '@daytonaio/sdk';

const port = process.argv[2];
if (!port) {
  console.error('usage: node conformance.mjs PORT');
  process.exit(2);
}
const base = `http://127.0.0.1:${port}`;
const daytona = new Daytona({
  apiKey: 'x',
  apiUrl: `${base}/api`,
  useDeprecatedPolling: true,
});

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`PASS ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err && err.stack ? err.stack : err}`);
  }
}
function expect(cond, what) {
  if (!cond) throw new Error(`expected ${what}`);
}
async function fault(rule) {
  const res = await fetch(`${base}/_emulator/faults`, {
    method: 'POST',
    body: JSON.stringify(rule),
  });
  expect(res.ok, `fault accepted (${res.status})`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const label = `conformance-${process.pid}`;
let sandbox;

await check('create', async () => {
  sandbox = await daytona.create(
    { labels: { suite: label }, envVars: { GREETING: 'hello' } },
    { timeout: 60 },
  );
  expect(sandbox.state === 'started', `state started, got ${sandbox.state}`);
  expect(typeof sandbox.id === 'string' && sandbox.id.length > 0, 'an id');
});

if (sandbox) {
  await check('upload files', async () => {
    await sandbox.fs.uploadFiles([
      { source: Buffer.from('one\n'), destination: 'app/one.txt' },
      { source: Buffer.from('two\n'), destination: '/home/daytona/app/sub/two.txt' },
    ]);
    const r = await sandbox.process.executeCommand('cat app/one.txt app/sub/two.txt');
    expect(r.exitCode === 0 && r.result === 'one\ntwo\n', `uploaded content, got ${JSON.stringify(r)}`);
  });

  await check('executeCommand echo hi', async () => {
    const r = await sandbox.process.executeCommand('echo hi');
    expect(r.exitCode === 0, `exit 0, got ${r.exitCode}`);
    expect(r.result === 'hi\n', `"hi\\n", got ${JSON.stringify(r.result)}`);
  });

  await check('executeCommand exit code and env', async () => {
    const r = await sandbox.process.executeCommand('echo $GREETING; exit 3');
    expect(r.exitCode === 3, `exit 3, got ${r.exitCode}`);
    expect(r.result === 'hello\n', `env var, got ${JSON.stringify(r.result)}`);
  });

  await check('session with an async command and its logs', async () => {
    await sandbox.process.createSession('s1');
    const { cmdId } = await sandbox.process.executeSessionCommand('s1', {
      command: 'echo out; echo err >&2; exit 5',
      runAsync: true,
    });
    expect(cmdId, 'a cmdId');
    let cmd;
    for (let i = 0; i < 100; i++) {
      cmd = await sandbox.process.getSessionCommand('s1', cmdId);
      if (cmd.exitCode !== undefined && cmd.exitCode !== null) break;
      await sleep(100);
    }
    expect(cmd.exitCode === 5, `exit 5, got ${cmd.exitCode}`);
    const logs = await sandbox.process.getSessionCommandLogs('s1', cmdId);
    expect(logs.stdout === 'out\n', `stdout, got ${JSON.stringify(logs.stdout)}`);
    expect(logs.stderr === 'err\n', `stderr, got ${JSON.stringify(logs.stderr)}`);
    const sync = await sandbox.process.executeSessionCommand('s1', { command: 'echo sync' });
    expect(sync.exitCode === 0 && sync.stdout === 'sync\n', `sync exec, got ${JSON.stringify(sync)}`);
    await sandbox.process.deleteSession('s1');
  });

  await check('preview link reaches the app', async () => {
    await sandbox.process.createSession('app');
    const server =
      "require('http').createServer((q, r) => r.end('conformance-marker'))" +
      ".listen(+process.argv[process.argv.indexOf('--port') + 1], '127.0.0.1')";
    await sandbox.process.executeSessionCommand('app', {
      command: `exec node -e "${server}" -- --port 3000`,
      runAsync: true,
    });
    const link = await sandbox.getPreviewLink(3000);
    expect(link.url && link.url.startsWith('http'), `a url, got ${JSON.stringify(link)}`);
    let body = '';
    for (let i = 0; i < 100 && body !== 'conformance-marker'; i++) {
      try {
        body = await (await fetch(link.url)).text();
      } catch {
        await sleep(100);
      }
    }
    expect(body === 'conformance-marker', `marker, got ${JSON.stringify(body)}`);
  });

  await check('list by labels', async () => {
    const other = await daytona.create({ labels: { suite: `${label}-other` } });
    const found = [];
    for await (const sb of daytona.list({ labels: { suite: label } })) found.push(sb.id);
    expect(found.length === 1 && found[0] === sandbox.id, `only our sandbox, got ${found}`);
    await daytona.delete(other);
  });

  await check('stop and start', async () => {
    await sandbox.stop();
    await sandbox.refreshData();
    expect(sandbox.state === 'stopped', `stopped, got ${sandbox.state}`);
    await sandbox.start();
    expect(sandbox.state === 'started', `started, got ${sandbox.state}`);
    const r = await sandbox.process.executeCommand('cat app/one.txt');
    expect(r.result === 'one\n', 'files survive a stop');
  });

  await check('delete', async () => {
    await daytona.delete(sandbox, 60, true);
    let gone = false;
    try {
      await daytona.get(sandbox.id);
    } catch (err) {
      gone = err instanceof DaytonaNotFoundError;
    }
    expect(gone, 'get after delete to be DaytonaNotFoundError');
  });
}

await check('get unknown id -> DaytonaNotFoundError', async () => {
  let error;
  try {
    await daytona.get('00000000-0000-4000-8000-00000000dead');
  } catch (err) {
    error = err;
  }
  expect(error instanceof DaytonaNotFoundError, `DaytonaNotFoundError, got ${error}`);
});

await check('429 fault -> DaytonaRateLimitError', async () => {
  await fault({ kind: 'status', status: 429, retryAfter: 1, count: 1, path: '/api/sandbox' });
  let error;
  try {
    await daytona.create({ labels: { suite: `${label}-429` } });
  } catch (err) {
    error = err;
  }
  expect(error instanceof DaytonaRateLimitError, `DaytonaRateLimitError, got ${error}`);
  const found = [];
  for await (const sb of daytona.list({ labels: { suite: `${label}-429` } })) found.push(sb.id);
  expect(found.length === 0, 'no sandbox created by the refused call');
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
