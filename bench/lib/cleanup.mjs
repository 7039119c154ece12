// Everything the benchmark starts registers how to stop it here, so a failure or Ctrl-C in
// any part still stops every server by PID and removes the big files.
const cleanups = new Map();
let cleanupSeq = 0;
export function onCleanup(fn) {
  const id = ++cleanupSeq;
  cleanups.set(id, fn);
  return async () => {
    if (!cleanups.delete(id)) return;
    await fn();
  };
}
export async function cleanupAll() {
  const fns = [...cleanups.values()].reverse();
  cleanups.clear();
  for (const fn of fns) {
    try {
      await fn();
    } catch (error) {
      process.stderr.write(`[bench] cleanup: ${error.message}\n`);
    }
  }
}
