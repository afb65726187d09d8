import type { NotificationType } from './notification.js';

/**
 * The words of every notification: an in-app title and body (plain text) and the e-mail's
 * subject, text and HTML. Everything interpolated into HTML goes through `escapeHtml`: link
 * titles, URLs, workspace names and e-mail addresses are user data.
 */
export interface Rendered {
  title: string;
  body: string;
  /** A URL the message is about (a link's short URL, the sign-up page), shown as a button in HTML. */
  action: { label: string; url: string } | null;
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/** Data each type carries (stored as the notification's `data`, shown by GET /notifications). */
export interface NotificationData {
  'webhook.disabled': { webhookId: string; url: string; reason: string | null };
  'link.expired': { linkId: string; shortUrl: string; url: string; reason: string | null };
  'link.milestone': { linkId: string; shortUrl: string; url: string; threshold: number; clicks: number };
  'workspace.invitation': { workspaceId: string; workspaceName: string; invitedBy: string; role: string };
}

/** What an invitee without an account receives (e-mail only). */
export interface SignupInvitation { workspaceName: string; invitedBy: string; role: string; signupUrl: string; expiresAt: Date }

const count = (n: number) => n.toLocaleString('en-US');

export function render<T extends NotificationType>(type: T, data: NotificationData[T]): Rendered {
  switch (type) {
    case 'webhook.disabled': {
      const d = data as NotificationData['webhook.disabled'];
      return {
        title: 'Webhook disabled',
        body: `The webhook to ${d.url} was disabled${d.reason ? `: ${d.reason}` : ''}. Fix the endpoint, then enable it again.`,
        action: null,
      };
    }
    case 'link.expired': {
      const d = data as NotificationData['link.expired'];
      const why = d.reason === 'max-clicks' ? 'reached its click limit' : 'expired';
      return { title: `Link ${d.shortUrl} ${why}`, body: `${d.shortUrl} (to ${d.url}) ${why} and no longer redirects to its destination.`, action: { label: 'Open link', url: d.shortUrl } };
    }
    case 'link.milestone': {
      const d = data as NotificationData['link.milestone'];
      return { title: `${d.shortUrl} reached ${count(d.threshold)} clicks`, body: `${d.shortUrl} (to ${d.url}) has ${count(d.clicks)} clicks, past your milestone of ${count(d.threshold)}.`, action: { label: 'Open link', url: d.shortUrl } };
    }
    default: {
      const d = data as NotificationData['workspace.invitation'];
      return { title: `You were added to ${d.workspaceName}`, body: `${d.invitedBy} added you to the workspace ${d.workspaceName} as ${d.role}.`, action: null };
    }
  }
}

export function renderSignupInvitation(i: SignupInvitation): Rendered {
  return {
    title: `${i.invitedBy} invited you to ${i.workspaceName} on Curt`,
    body: `${i.invitedBy} invited you to join the workspace ${i.workspaceName} as ${i.role}. Create your account with this link (valid until ${i.expiresAt.toISOString().slice(0, 10)}):\n${i.signupUrl}`,
    action: { label: 'Accept the invitation', url: i.signupUrl },
  };
}

/** The e-mail of a rendered notification; `baseUrl` is the instance, named in the footer. */
export function toEmail(r: Rendered, baseUrl: URL): EmailContent {
  const footer = `Sent by Curt at ${baseUrl.origin}. Choose which notifications you receive under notification preferences.`;
  const text = [r.body, ...(r.action && !r.body.includes(r.action.url) ? [r.action.url] : []), '', '-- ', footer].join('\n');
  const button = r.action ? `<p><a href="${escapeHtml(r.action.url)}">${escapeHtml(r.action.label)}</a></p>` : '';
  const html = `<!doctype html><html><body style="font-family:sans-serif">`
    + `<h1 style="font-size:18px">${escapeHtml(r.title)}</h1>`
    + r.body.split('\n').map((line) => `<p>${escapeHtml(line)}</p>`).join('')
    + button
    + `<hr><p style="color:#666;font-size:12px">${escapeHtml(footer)}</p></body></html>`;
  return { subject: r.title.replace(/[\r\n]+/g, ' '), text, html };
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
