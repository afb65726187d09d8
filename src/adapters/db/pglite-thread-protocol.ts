/** Messages between the main thread and the PGlite worker thread. */
export type ThreadRequest =
  | { kind: 'query'; id: number; sql: string; params: readonly unknown[] }
  /** Runs the thread's task (see PGliteThreadOptions.task) with the input; answered like a query. */
  | { kind: 'task'; id: number; input: unknown }
  | { kind: 'close' };

/** workerData of the PGlite thread. */
export interface PGliteThreadData {
  dataDir: string | null;
  /**
   * A module whose `createTask(client, options)` returns a function the main thread can run on
   * this thread with the database (embedded click ingest): work that would otherwise cross the
   * thread boundary query by query, and can run at the thread's lower priority.
   */
  task?: { module: string; options: unknown };
  /** Nice value for this thread (Linux), so its work yields the CPU to the serving thread. */
  nice?: number;
}

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
  | { kind: 'task-result'; id: number; output: unknown }
  | { kind: 'error'; id: number; error: ThreadError };
