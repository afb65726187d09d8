import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { PACKAGE_ROOT as REPO_ROOT } from '../../src/composition/paths.js';

// This machine has no Docker engine, so the image and the compose stack cannot be run here
// (BENCHMARKS/README say so). What can be checked is that the files agree with the code:
// every role, variable, port and path they name exists.
const read = (name: string) => readFileSync(resolve(REPO_ROOT, name), 'utf8');

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('builds in one stage and runs from another, as a non-root user', () => {
    assert.equal(stages.length, 2);
    assert.match(stages[0]!, /AS build/);
    const runtime = stages[1]!;
    assert.match(runtime, /^USER node$/m);
    assert.doesNotMatch(runtime, /npm (ci|install)/, 'the runtime stage installs nothing');
    assert.match(runtime, /HEALTHCHECK[\s\S]*\/healthz/);
    assert.match(runtime, /ENTRYPOINT \["node", "bin\/curt.js"\]/);
  });

  it('copies only paths that exist, and everything the compiled server needs at run time', () => {
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) {
      assert.ok(existsSync(resolve(REPO_ROOT, source!)), `COPY ${source} names a missing path`);
    }
    const runtime = stages[1]!;
    for (const needed of ['/app/node_modules', '/app/bin', '/app/dist/src', '/app/migrations', '/app/package.json']) {
      assert.ok(runtime.includes(`COPY --from=build ${needed} `), `the runtime stage copies ${needed}`);
    }
  });

  it('the ignore file keeps local builds and data out of the context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', 'data', '.git']) assert.ok(ignored.includes(entry), entry);
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, { command?: string[]; environment?: Record<string, string>; depends_on?: unknown; volumes?: string[]; ports?: string[] }> };
  const services = compose.services;
  const roleOf = (name: string) => services[name]?.command?.join(' ').match(/--role (\w+)/)?.[1];

  it('runs PostgreSQL, Redis, an api, two redirect instances, a worker and a load balancer', () => {
    assert.ok(services.postgres && services.redis && services.lb);
    const roles = Object.keys(services).map(roleOf).filter(Boolean).sort();
    assert.deepEqual(roles, ['api', 'redirect', 'redirect', 'worker']);
  });

  it('points every Curt process at the same PostgreSQL and Redis, and waits for them to be healthy', () => {
    for (const name of Object.keys(services).filter((n) => roleOf(n))) {
      const service = services[name]!;
      assert.match(service.environment?.DATABASE_URL ?? '', /^postgres:\/\/.*@postgres:5432\//, name);
      assert.equal(service.environment?.REDIS_URL, 'redis://redis:6379', name);
      assert.deepEqual(service.depends_on, { postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } }, name);
    }
  });

  it('only uses configuration variables Curt reads', () => {
    const config = read('src/composition/config.ts');
    for (const name of Object.keys(services).filter((n) => roleOf(n))) {
      for (const variable of Object.keys(services[name]!.environment ?? {})) {
        assert.ok(config.includes(`'${variable}'`), `${name} sets ${variable}, which config.ts does not read`);
      }
    }
  });

  it('the load balancer sends the API to the api service and everything else to the redirect services', () => {
    const lb = services.lb!;
    assert.deepEqual(lb.ports, ['8080:8080']);
    const mount = lb.volumes?.[0]?.split(':')[0] ?? '';
    const nginx = read(mount);
    assert.match(nginx, /upstream curt_api \{ server api:8080;/);
    assert.match(nginx, /upstream curt_redirect \{ server redirect-1:8080; server redirect-2:8080;/);
    assert.match(nginx, /location \/api\/ \{ proxy_pass http:\/\/curt_api;/);
    assert.match(nginx, /location \/ \{ proxy_pass http:\/\/curt_redirect; \}/);
    assert.match(nginx, /X-Forwarded-For \$remote_addr/, 'one trusted hop: the balancer sets the client address');
  });
});
