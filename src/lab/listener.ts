// The lab's listener: runs inside the target namespace and makes ports open.
//   node dist/lab/listener.js [--until-stdin-closes] PORT...
// Listens on 0.0.0.0 on every PORT (backlog as large as the kernel allows),
// accepts each connection and closes it at once, and prints "ready" on stdout
// once every port is bound. Any bind error: a message on stderr and exit 1.
// With --until-stdin-closes it exits when its stdin closes, so it dies with
// the process that started it.
import net from 'node:net';

const BACKLOG = 65535;

function main(argv: string[]): void {
  const untilStdinCloses = argv[0] === '--until-stdin-closes';
  const ports = (untilStdinCloses ? argv.slice(1) : argv).map(Number);
  const bad = ports.find((p) => !Number.isInteger(p) || p < 1 || p > 65535);
  if (bad !== undefined) fail(`listener: bad port '${bad}'`);

  process.stdout.on('error', () => {}); // whoever started us may stop reading after "ready"
  if (untilStdinCloses) {
    process.stdin.on('close', () => process.exit(0));
    process.stdin.on('end', () => process.exit(0));
    process.stdin.resume();
  }
  let unbound = ports.length;
  const bound = () => {
    if (--unbound === 0) process.stdout.write('ready\n');
  };
  if (ports.length === 0) process.stdout.write('ready\n');
  for (const port of ports) {
    const server = net.createServer((socket) => socket.destroy());
    server.on('error', (err) => fail(`listener: port ${port}: ${err.message}`));
    server.listen({ port, host: '0.0.0.0', backlog: BACKLOG }, bound);
  }
}

function fail(message: string): never {
  process.stderr.write(message + '\n');
  process.exit(1);
}

main(process.argv.slice(2));
