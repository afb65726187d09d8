import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, it } from 'node:test';
import { AddressPolicy, addressProblem } from '../../src/adapters/net/address-policy.js';
import { DestinationGuard, ForbiddenDestinationError } from '../../src/adapters/net/destination-guard.js';
import { HttpWebhookSender } from '../../src/adapters/net/webhook-sender.js';
import { Receiver } from '../support/webhooks.js';

const fakeDns = (table: Record<string, string[]>) => async (host: string): Promise<LookupAddress[]> => {
  const answers = table[host];
  if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('SSRF: address classification', () => {
  it('refuses every non-public range, in every notation', () => {
    const refused = [
      '127.0.0.1', '127.255.255.254', '0.0.0.0', '0.1.2.3', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1',
      '169.254.169.254', '169.254.0.1', '100.64.0.1', '100.127.255.255', '224.0.0.1', '239.255.255.255', '240.0.0.1', '255.255.255.255',
      '192.0.2.1', '198.18.0.1',
      // IPv4 in other notations (ipaddr.js reads them as inet_aton would)
      '2130706433', '0x7f000001', '0177.0.0.1', '127.1', '0x7f.1', '017700000001', '0xa9.0xfe.0xa9.0xfe',
      // IPv6
      '::1', '::', 'fc00::1', 'fd00:ec2::254', 'fe80::1', 'fe80::1%eth0', 'ff02::1', '[::1]',
      // IPv4 inside IPv6
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:10.0.0.1', '::127.0.0.1', '64:ff9b::10.0.0.1', '64:ff9b::7f00:1',
      // transition forms that could hide an internal address
      '2002:7f00:1::', '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      'not-an-ip',
    ];
    for (const address of refused) assert.notEqual(addressProblem(address), null, address);
  });

  it('lets public unicast through, also mapped and NAT64', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      assert.equal(addressProblem(address), null, address);
    }
  });

  it('says why, in words', () => {
    assert.match(addressProblem('169.254.169.254')!, /link-local.*metadata/);
    assert.match(addressProblem('::ffff:127.0.0.1')!, /loopback/);
    assert.match(addressProblem('100.64.1.1')!, /carrier-grade NAT/);
    assert.match(addressProblem('192.168.0.1')!, /private/);
  });

  it('CURT_WEBHOOK_ALLOW_PRIVATE lifts the policy', () => {
    assert.equal(new AddressPolicy(true).problem('127.0.0.1'), null);
    assert.notEqual(new AddressPolicy(false).problem('127.0.0.1'), null);
  });
});

describe('SSRF: URLs at registration', () => {
  const guard = new DestinationGuard(new AddressPolicy(false), fakeDns({
    'hooks.example.com': ['93.184.216.34'], 'internal.example.com': ['10.1.2.3'], 'mixed.example.com': ['93.184.216.34', '127.0.0.1'],
    'v6.example.com': ['2606:4700:4700::1111'], 'v6-local.example.com': ['::1'], localhost: ['127.0.0.1', '::1'],
  }));

  it('refuses literal hosts in every form the URL parser normalises', async () => {
    for (const raw of ['http://127.0.0.1/', 'http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://127.1/', 'http://0x7f.1/',
      'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/', 'http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/',
      'http://100.64.0.1/', 'http://0.0.0.0:8080/', 'http://224.0.0.1/', 'http://[fe80::1]/']) {
      const problem = await guard.urlProblem(new URL(raw));
      assert.notEqual(problem, null, raw);
    }
  });

  it('resolves names and refuses when any answer is forbidden', async () => {
    assert.equal(await guard.urlProblem(new URL('https://hooks.example.com/in')), null);
    assert.equal(await guard.urlProblem(new URL('https://v6.example.com/in')), null);
    assert.match((await guard.urlProblem(new URL('https://internal.example.com/')))!, /internal\.example\.com resolves to 10\.1\.2\.3, a private address/);
    assert.match((await guard.urlProblem(new URL('https://mixed.example.com/')))!, /127\.0\.0\.1/);
    assert.match((await guard.urlProblem(new URL('https://v6-local.example.com/')))!, /loopback/);
    assert.match((await guard.urlProblem(new URL('http://localhost:3000/')))!, /loopback/);
    assert.match((await guard.urlProblem(new URL('https://nowhere.example.com/')))!, /does not resolve/);
  });

  it('accepts public literal hosts', async () => {
    assert.equal(await guard.urlProblem(new URL('https://93.184.216.34/x')), null);
    assert.equal(await guard.urlProblem(new URL('https://[2606:4700:4700::1111]/x')), null);
  });
});

describe('SSRF: connect time', () => {
  it('refuses a name that resolved to a public address at registration and to loopback now (DNS rebinding)', async () => {
    const receiver = await new Receiver().start();
    const table: Record<string, string[]> = { 'rebind.example.com': ['93.184.216.34'] };
    const guard = new DestinationGuard(new AddressPolicy(false), fakeDns(table));
    const url = `http://rebind.example.com:${receiver.port}/hook`;
    assert.equal(await guard.urlProblem(new URL(url)), null, 'registration sees a public address');
    table['rebind.example.com'] = ['127.0.0.1'];
    const result = await new HttpWebhookSender(guard, { timeoutMs: 2000 }).send({ url, headers: {}, body: '{}' });
    assert.equal(result.kind, 'error');
    assert.match(result.kind === 'error' ? result.error : '', /refused to connect to rebind\.example\.com: .*127\.0\.0\.1, a loopback address/);
    assert.equal(receiver.received.length, 0, 'no byte reached the receiver');
    await receiver.close();
  });

  it('refuses IP-literal hosts, which Node dials without a lookup', async () => {
    const receiver = await new Receiver().start();
    const sender = new HttpWebhookSender(new DestinationGuard(new AddressPolicy(false), fakeDns({})), { timeoutMs: 2000 });
    for (const url of [receiver.url(), `http://[::ffff:127.0.0.1]:${receiver.port}/hook`, `http://2130706433:${receiver.port}/hook`]) {
      const result = await sender.send({ url, headers: {}, body: '{}' });
      assert.equal(result.kind, 'error', url);
    }
    assert.equal(receiver.received.length, 0);
    await receiver.close();
  });

  it('connects through the guard when the resolved address is allowed', async () => {
    const receiver = await new Receiver().start();
    const guard = new DestinationGuard(new AddressPolicy(true), fakeDns({ 'hooks.test': ['127.0.0.1'] }));
    const result = await new HttpWebhookSender(guard, { timeoutMs: 2000 }).send({ url: `http://hooks.test:${receiver.port}/in`, headers: { 'x-a': '1' }, body: '{"a":1}' });
    assert.equal(result.kind, 'response');
    assert.equal(receiver.received[0]?.headers.host, `hooks.test:${receiver.port}`);
    assert.equal(receiver.received[0]?.body, '{"a":1}');
    await receiver.close();
  });

  it('the lookup hands back a ForbiddenDestinationError', async () => {
    const guard = new DestinationGuard(new AddressPolicy(false), fakeDns({ 'x.test': ['10.0.0.1'] }));
    const error = await new Promise<unknown>((resolve) => guard.lookup('x.test', { all: true }, (e) => resolve(e)));
    assert.ok(error instanceof ForbiddenDestinationError);
  });
});
