// What the runner starts (Alembic helpers, ephemeral containers, ephemeral clusters) must not
// outlive the process when it ends without stopping them (a crash, process.exit): one 'exit'
// hook tears each down synchronously, since nothing can be awaited then.

const cleanUps = new Map<object, () => void>();
let hooked = false;

/** Tears `owner` down with `cleanUp` (synchronous) if the process exits before `forgetAtExit(owner)`. */
export function cleanUpAtExit(owner: object, cleanUp: () => void): void {
  cleanUps.set(owner, cleanUp);
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const cleanUpOne of [...cleanUps.values()]) cleanUpOne();
  });
}

/** `owner` was stopped the ordinary way: nothing left to do at exit. */
export function forgetAtExit(owner: object): void {
  cleanUps.delete(owner);
}
