/**
 * A strict parser for the subset of RFC 9651 structured-field Lists that the IETF
 * RateLimit headers use: members are strings, tokens or integers, each with parameters
 * whose values are integers, strings, tokens or booleans. Anything else throws, so a
 * header that a conforming parser would reject fails the test. (Small enough to keep here
 * rather than add a dependency for the tests.)
 */
export type Bare = string | number | boolean | { token: string };
export interface Item { value: Bare; params: Record<string, Bare> }

export function parseList(input: string): Item[] {
  let i = 0;
  const s = input.replace(/^ +| +$/g, '');
  const fail = (what: string): never => { throw new Error(`not a structured-field list (${what} at ${i}): ${input}`); };
  const bare = (): Bare => {
    const c = s[i];
    if (c === '"') {
      let out = '';
      i++;
      for (;;) {
        if (i >= s.length) fail('unterminated string');
        const ch = s[i++]!;
        if (ch === '\\') {
          const next = s[i++];
          if (next !== '"' && next !== '\\') fail('bad escape');
          out += next;
        } else if (ch === '"') return out;
        else if (ch < ' ' || ch > '~') fail('non-ASCII or control character in string');
        else out += ch;
      }
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      const m = /^-?[0-9]{1,15}(?![0-9.])/.exec(s.slice(i)) ?? fail('integer');
      i += m[0].length;
      return Number(m[0]);
    }
    if (c === '?') {
      const b = s[i + 1];
      if (b !== '0' && b !== '1') fail('boolean');
      i += 2;
      return b === '1';
    }
    const m = /^[A-Za-z*][A-Za-z0-9:/!#$%&'*+\-.^_`|~]*/.exec(s.slice(i)) ?? fail('bare item');
    i += m[0].length;
    return { token: m[0] };
  };
  const params = (): Record<string, Bare> => {
    const out: Record<string, Bare> = {};
    while (s[i] === ';') {
      i++;
      while (s[i] === ' ') i++;
      const m = /^[a-z*][a-z0-9_\-.*]*/.exec(s.slice(i)) ?? fail('parameter key');
      i += m[0].length;
      if (s[i] === '=') { i++; out[m[0]] = bare(); } else out[m[0]] = true;
    }
    return out;
  };
  const items: Item[] = [];
  if (s.length === 0) return items;
  for (;;) {
    items.push({ value: bare(), params: params() });
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i >= s.length) return items;
    if (s[i] !== ',') fail('expected a comma');
    i++;
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i >= s.length) fail('trailing comma');
  }
}

/** The one policy of a RateLimit-Policy / RateLimit header: its name and integer parameters. */
export function rateLimitMember(header: string | string[] | undefined): { name: string; params: Record<string, number> } {
  if (typeof header !== 'string') throw new Error(`expected one header value, got ${String(header)}`);
  const list = parseList(header);
  if (list.length !== 1) throw new Error(`expected one list member: ${header}`);
  const [{ value, params }] = list as [Item];
  if (typeof value !== 'string') throw new Error(`the policy name must be a string: ${header}`);
  const ints: Record<string, number> = {};
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== 'number') throw new Error(`parameter ${k} must be an integer: ${header}`);
    ints[k] = v;
  }
  return { name: value, params: ints };
}
