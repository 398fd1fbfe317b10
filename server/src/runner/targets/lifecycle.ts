/**
 * The start/stop order the Docker and local-cluster targets share: start() runs once (a failed
 * start tears down what it made, then rethrows); stop() waits for start() to settle, then tears
 * down once; a stopped target does not start again.
 */
export class TargetLifecycle {
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private tearingDown: Promise<void> | undefined;

  constructor(
    /** "Docker target", "local cluster": for the error of a start after stop. */
    private readonly name: string,
    private readonly startOnce: () => Promise<void>,
    private readonly stopOnce: () => Promise<void>,
  ) {}

  start(): Promise<void> {
    if (this.stopping) return Promise.reject(new Error(`this ${this.name} was stopped; create a new one`));
    this.starting ??= this.startOnce().catch(async (error: unknown) => {
      // Tear down directly: stop() waits for start() to settle, so calling it here would deadlock.
      await this.teardown();
      throw error;
    });
    return this.starting;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      await this.teardown();
    })();
    return this.stopping;
  }

  /** A target re-attached to a server an earlier process started: start() has nothing to do. */
  markStarted(): void {
    this.starting = Promise.resolve();
  }

  private teardown(): Promise<void> {
    this.tearingDown ??= this.stopOnce();
    return this.tearingDown;
  }
}
