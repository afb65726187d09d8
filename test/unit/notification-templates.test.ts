import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emailBackoffMs } from '../../src/core/notifications/email-job.js';
import { escapeHtml, render, renderSignupInvitation, toEmail } from '../../src/core/notifications/templates.js';

const base = new URL('https://curt.example');

describe('notification templates', () => {
  it('renders every type in plain text and HTML with user data escaped', () => {
    const cases = [
      render('webhook.disabled', { webhookId: 'whk_1', url: 'https://h.example/?a=<x>', reason: 'HTTP 410 "gone"' }),
      render('link.expired', { linkId: 'l', shortUrl: 'https://curt.example/a', url: 'https://e.example/<i>', reason: null }),
      render('link.milestone', { linkId: 'l', shortUrl: 'https://curt.example/a', url: 'https://e.example/<i>', threshold: 10000, clicks: 10002 }),
      render('workspace.invitation', { workspaceId: 'ws', workspaceName: '<img src=x onerror=alert(1)>', invitedBy: 'o\'brien@example.com', role: 'admin' }),
    ];
    for (const r of cases) {
      const email = toEmail(r, base);
      assert.ok(email.text.startsWith(r.body), r.title);
      assert.doesNotMatch(email.html, /<(x|i|img)[ >]/, r.title);
      assert.match(email.text, /Sent by Curt at https:\/\/curt\.example/);
    }
    assert.equal(cases[2]!.title, 'https://curt.example/a reached 10,000 clicks');
    assert.match(toEmail(cases[3]!, base).html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(toEmail(cases[3]!, base).html, /o&#39;brien@example\.com/);
  });

  it('puts the sign-up link of an invitation in text and HTML, and keeps subjects on one line', () => {
    const r = renderSignupInvitation({ workspaceName: 'Team\r\nBcc: x', invitedBy: 'a@example.com', role: 'member', signupUrl: 'https://curt.example/signup?invite=abc&x=1', expiresAt: new Date('2030-01-08T00:00:00Z') });
    const email = toEmail(r, base);
    assert.match(email.text, /https:\/\/curt\.example\/signup\?invite=abc&x=1/);
    assert.match(email.html, /href="https:\/\/curt\.example\/signup\?invite=abc&amp;x=1"/);
    assert.doesNotMatch(email.subject, /[\r\n]/);
    assert.match(email.text, /valid until 2030-01-08/);
  });

  it('escapes the five HTML-special characters', () => {
    assert.equal(escapeHtml(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  });

  it('backs e-mail retries off exponentially with jitter, capped at 2 hours', () => {
    assert.equal(emailBackoffMs(1, () => 0.5), 30_000);
    assert.equal(emailBackoffMs(3, () => 0.5), 120_000);
    assert.equal(emailBackoffMs(20, () => 0.5), 7_200_000);
    assert.equal(emailBackoffMs(1, () => 0), 24_000);
  });
});
