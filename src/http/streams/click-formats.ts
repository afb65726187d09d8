import { CLICK_COLUMNS, type ClickView } from '../click-presenter.js';

/** How an export writes its rows: a header once, then each page as one chunk. */
export interface ClickFormat {
  contentType: string;
  extension: string;
  header: string;
  rows(views: readonly ClickView[]): string;
}

export const NDJSON: ClickFormat = {
  contentType: 'application/x-ndjson; charset=utf-8',
  extension: 'ndjson',
  header: '',
  rows: (views) => views.map((v) => `${JSON.stringify(v)}\n`).join(''),
};

/** RFC 4180: CRLF line ends, a header row, quoted fields where needed; null is an empty field. */
export const CSV: ClickFormat = {
  contentType: 'text/csv; charset=utf-8',
  extension: 'csv',
  header: `${CLICK_COLUMNS.join(',')}\r\n`,
  rows: (views) => views.map((v) => `${CLICK_COLUMNS.map((c) => csvField(v[c])).join(',')}\r\n`).join(''),
};

/** Characters that make a spreadsheet read a cell as a formula (CSV injection), or that it strips. */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  // Referrers and UTM values come from visitors: a leading ' keeps them text in Excel and Sheets.
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
