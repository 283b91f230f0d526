// AbortController for the suites, with its signal's listeners counted (the SDK must remove what it
// adds). Where the host has none (the mini-program runtime, like mini-programs themselves), a minimal
// one of the same shape, as polyfills provide: the SDK takes any signal with `aborted` and
// add/removeEventListener.
export function abortController() {
  const ctl = typeof AbortController === 'function' ? new AbortController() : minimalController();
  const signal = ctl.signal;
  const add = signal.addEventListener, remove = signal.removeEventListener;
  const live = new Set();
  signal.addEventListener = function (type, fn, opts) {
    if (type === 'abort') live.add(fn);
    return add.call(this, type, fn, opts);
  };
  signal.removeEventListener = function (type, fn, opts) {
    if (type === 'abort') live.delete(fn);
    return remove.call(this, type, fn, opts);
  };
  return { signal, abort: () => ctl.abort(), listeners: () => live.size };
}

function minimalController() {
  const fns = new Set();
  const signal = {
    aborted: false,
    addEventListener(type, fn) { if (type === 'abort') fns.add(fn); },
    removeEventListener(type, fn) { if (type === 'abort') fns.delete(fn); },
  };
  return {
    signal,
    abort() {
      if (signal.aborted) return;
      signal.aborted = true;
      for (const fn of [...fns]) fn({ type: 'abort' });
    },
  };
}
