/** Counts served redirects without the hot path waiting on storage. */
export interface ClickCounter {
  record(linkId: string): void;
  /** Clicks recorded but not yet stored, so a freshly loaded link still sees them. */
  pending(linkId: string): number;
  flush(): Promise<void>;
}
