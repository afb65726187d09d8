/**
 * Sixteen clients requesting one short link in a loop, for the crash tests: counts the
 * redirects whose 302 arrived (served) and the requests still open (in flight), so a test can
 * kill the server mid-load and bound what storage must hold afterwards.
 */
export class RedirectLoad {
  served = 0;
  inFlight = 0;

  constructor(private readonly path: string, private readonly clients = 16) {}

  /** Runs until `stopAfterMs` has passed or the server is gone. */
  async run(base: string, stopAfterMs: number): Promise<void> {
    const until = Date.now() + stopAfterMs;
    const client = async () => {
      while (Date.now() < until) {
        this.inFlight++;
        try {
          const res = await fetch(`${base}${this.path}`, { redirect: 'manual' });
          if (res.status === 302) this.served++;
        } catch {
          return; // the server is gone
        } finally {
          this.inFlight--;
        }
      }
    };
    await Promise.all(Array.from({ length: this.clients }, client));
  }
}
