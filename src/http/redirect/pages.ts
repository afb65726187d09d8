const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{word-break:break-all}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}input,button{font:inherit;padding:.4rem}';

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export const notFoundPage = () => page('Link not found', '<h1>Link not found</h1><p>This short link does not exist. Check it for typos.</p>');
export const tooManyPage = () => page('Too many requests', '<h1>Too many requests</h1><p>Too many unknown short links were asked for from your address. Wait a minute and try again.</p>');
export const expiredPage = () => page('Link expired', '<h1>Link expired</h1><p>This short link is no longer active.</p>');

export function passwordPage(slug: string, wrong: boolean): string {
  return page('Password required', `<h1>Password required</h1><p>This link is protected.</p>${wrong ? '<p role="alert"><strong>Wrong password.</strong></p>' : ''}
<form method="post" action="/${escapeHtml(slug)}"><label>Password <input type="password" name="password" autofocus required maxlength="128"></label> <button type="submit">Continue</button></form>`);
}

export function inspectPage(shortUrl: string, destination: string, createdAt: Date, protectedLink: boolean): string {
  const target = protectedLink ? '<em>hidden: this link is password-protected</em>' : `<code>${escapeHtml(destination)}</code>`;
  return page('Where does this link go?', `<h1>Where does this link go?</h1><p><code>${escapeHtml(shortUrl)}</code> leads to</p><p>${target}</p>
<p>Created ${escapeHtml(createdAt.toISOString().slice(0, 10))}.</p><p>Check the destination before you open it; short links can hide where they lead.</p>`);
}
