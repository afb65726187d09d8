/** Messages between the main thread and the PGlite worker thread. */
export type ThreadRequest =
  | { kind: 'query'; id: number; sql: string; params: readonly unknown[] }
  | { kind: 'close' };

export interface ThreadError {
  message: string;
  name: string;
  /** PostgreSQL error fields (code, constraint, detail, …) as strings. */
  fields: Record<string, string>;
}

export type ThreadReply =
  | { kind: 'ready' }
  | { kind: 'failed'; error: ThreadError }
  | { kind: 'result'; id: number; rows: unknown[]; affectedRows: number | undefined }
  | { kind: 'error'; id: number; error: ThreadError };
