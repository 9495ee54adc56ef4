// Live data without reloading: fetch a JSON URL now and again every `everyMs`, keep the last
// good answer on screen while a later poll fails, and say that it failed.
import { useEffect, useState } from 'preact/hooks';

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
}

export function usePoll<T>(url: string, everyMs = 2000): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: undefined });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState({ data: undefined, error: undefined });
    const tick = async () => {
      try {
        const res = await fetch(url, { cache: 'no-store' });
        const body = await res.json();
        if (stopped) return;
        if (!res.ok) setState((s) => ({ data: s.data, error: body.error ?? `HTTP ${res.status}` }));
        else setState({ data: body as T, error: undefined });
      } catch (err) {
        if (!stopped) setState((s) => ({ data: s.data, error: `the manager did not answer: ${(err as Error).message}` }));
      }
      if (!stopped) timer = setTimeout(tick, everyMs);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [url, everyMs]);
  return state;
}
