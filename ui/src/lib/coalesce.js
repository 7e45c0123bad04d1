// Turns a burst of triggers into few runs of an async `fn`: at most one run
// at a time, at most one every `minGapMs`, and a trigger that arrives during
// a run causes exactly one more run after it. Live events use it so that a
// job finishing fifty tasks at once is fetched a couple of times, not fifty.
export function coalesce(fn, minGapMs = 250) {
  let running = false;
  let again = false;
  let timer = null;
  let lastStart = 0;
  let stopped = false;

  async function run() {
    timer = null;
    running = true;
    again = false;
    lastStart = Date.now();
    try {
      await fn();
    } catch {
      // fn reports its own errors; a failed refresh must not stop later ones.
    } finally {
      running = false;
      if (again && !stopped) schedule();
    }
  }

  function schedule() {
    if (timer !== null || stopped) return;
    const wait = Math.max(0, lastStart + minGapMs - Date.now());
    timer = setTimeout(run, wait);
  }

  const trigger = () => {
    if (stopped) return;
    if (running) again = true;
    else schedule();
  };
  trigger.stop = () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return trigger;
}
