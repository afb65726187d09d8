/**
 * PostgreSQL array literals built directly, for bulk statements that pass columns as arrays
 * (`unnest($1::text[], …)`). node-postgres serialises JS arrays element by element through its
 * generic value preparation; for the seeding load's millions of rows that was the largest cost
 * in Node (profiled), several times this.
 */
const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/**
 * {"a","b",null}: every element quoted, null is SQL NULL (PostgreSQL reads an unquoted null in
 * any case as NULL). A JSON array of strings is exactly that between other brackets as long as
 * JSON escaped nothing (no backslash in it), and JSON.stringify is native: ~4x cheaper than
 * the loop below, which escapes `"` and `\` itself and handles everything else.
 */
export function textArray(values: readonly (string | null)[]): string {
  const json = JSON.stringify(values);
  if (!json.includes('\\')) return `{${json.slice(1, -1)}}`;
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null || v === undefined ? 'NULL' : NEEDS_ESCAPE.test(v) ? `"${v.replace(ESCAPED, '\\$&')}"` : `"${v}"`;
  }
  return out + '}';
}

/** {1,2,3} of finite numbers (integers here: counts, epoch milliseconds). */
export function numberArray(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

export function boolArray(values: readonly boolean[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) out += i > 0 ? (values[i] ? ',t' : ',f') : values[i] ? 't' : 'f';
  return out + '}';
}
