// The reference for the redirect budget (SPEC §7): a bare node:http server that looks
// the slug up in a Map and answers 302 with Location. Run as its own process:
//   node dist/bench/baseline-server.js <port> <links>
import { createServer } from 'node:http';
import { linkSet } from './link-set.js';

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
if (!Number.isInteger(port) || !Number.isInteger(count)) {
  process.stderr.write('usage: baseline-server <port> <links>\n');
  process.exit(2);
}

const targets = new Map(linkSet(count).map((l) => [l.slug, l.url]));

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const location = targets.get(q === -1 ? url.slice(1) : url.slice(1, q));
  if (location === undefined) {
    res.writeHead(404, { 'Content-Length': '0' });
  } else {
    res.writeHead(302, { Location: location, 'Content-Length': '0' });
  }
  res.end();
});

server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
