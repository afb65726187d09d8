import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadShedder } from '../../src/http/plugins/load-shedding.js';

describe('LoadShedder', () => {
  it('turns overloaded on after a stalled event loop and off again once it runs freely', async () => {
    const shedder = new LoadShedder({ maxEventLoopDelayMs: 20, sampleMs: 100 });
    shedder.start();
    try {
      await sleep(150);
      assert.equal(shedder.overloaded, false);
      const until = Date.now() + 600;
      while (Date.now() < until) { /* a stalled loop */ }
      let seen = false;
      for (let i = 0; i < 20 && !seen; i++) { await sleep(50); seen = shedder.overloaded; }
      assert.ok(seen, 'a 600 ms stall is over a 20 ms limit');
      assert.ok(shedder.overloadedWindows >= 1);
      let cleared = false;
      for (let i = 0; i < 40 && !cleared; i++) { await sleep(50); cleared = !shedder.overloaded; }
      assert.ok(cleared, 'the loop runs freely again');
    } finally {
      shedder.stop();
    }
  });

  it('does not read a stall as load: a process that was not running sheds nothing when it resumes', async () => {
    const shedder = new LoadShedder({ maxEventLoopDelayMs: 20, sampleMs: 100 });
    shedder.start();
    try {
      await sleep(150);
      // Blocked without running, as a stopped process or a paused VM is: no CPU used meanwhile.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 800);
      let stalled = false;
      for (let i = 0; i < 20 && !stalled; i++) {
        await sleep(50);
        assert.equal(shedder.overloaded, false, 'no request shed after the stall');
        stalled = shedder.stalledWindows >= 1;
      }
      assert.ok(stalled, 'the window was over the limit, and counted as a stall');
      assert.equal(shedder.overloadedWindows, 0);
    } finally {
      shedder.stop();
    }
  });

  it('is off with a zero limit, and an injected pressure decides alone', () => {
    const off = new LoadShedder({ maxEventLoopDelayMs: 0 });
    off.start();
    assert.equal(off.overloaded, false);
    off.stop();
    let pressure = true;
    const injected = new LoadShedder({ pressure: () => pressure });
    assert.equal(injected.overloaded, true);
    pressure = false;
    assert.equal(injected.overloaded, false);
  });
});
