/**
 * The ceiling contender: a `node:http` server that reads the request body and answers a
 * constant `{"data":{}}`. What it reaches is what this machine's HTTP stack, load tool and
 * scheduler allow any Node server to reach; every other contender is measured under it.
 * Listens on BFF_HOST:BFF_PORT (defaults 127.0.0.1:0) and prints one ready line.
 */
import { createServer } from 'node:http';

const BODY = '{"data":{}}';
const server = createServer((req, res) => {
  req.resume();
  req.once('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': BODY.length });
    res.end(BODY);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.BFF_PORT ?? 0), process.env.BFF_HOST ?? '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ event: 'contender.ready', port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
