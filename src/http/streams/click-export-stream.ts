import { Readable } from 'node:stream';
import type { ClickPresenter } from '../click-presenter.js';
import type { ClickEvent } from '../../core/analytics/click.js';
import type { ClickFormat } from './click-formats.js';

/** Bytes the stream reads ahead of the socket: about one page, so memory stays flat per export. */
const READ_AHEAD_BYTES = 64 * 1024;

/**
 * The export body. The first page is read before this resolves, so a failure up to then is
 * still answered as problem+json; afterwards each page is read only when the socket has taken
 * the previous ones (Fastify pipes the stream with backpressure). A later failure destroys the
 * stream, and Fastify then aborts the connection: a client never mistakes a cut export for a
 * complete one.
 */
export async function clickExportStream(pages: AsyncIterable<ClickEvent[]>, format: ClickFormat, presenter: ClickPresenter): Promise<Readable> {
  const chunks = encode(pages, format, presenter)[Symbol.asyncIterator]();
  const first = await chunks.next();
  return Readable.from(resume(first, chunks), { objectMode: false, highWaterMark: READ_AHEAD_BYTES });
}

async function* encode(pages: AsyncIterable<ClickEvent[]>, format: ClickFormat, presenter: ClickPresenter): AsyncGenerator<string> {
  let header = format.header;
  for await (const page of pages) {
    yield header + format.rows(page.map((click) => presenter.present(click)));
    header = '';
  }
  if (header !== '') yield header; // an empty CSV export is still a header row
}

/** Yields the chunk already read, then the rest; yield* passes a client's disconnect on to the reader. */
async function* resume(first: IteratorResult<string>, rest: AsyncIterator<string>): AsyncGenerator<string> {
  if (first.done) return;
  yield first.value;
  yield* { [Symbol.asyncIterator]: () => rest };
}
