/**
 * Keeps a server started on NAME@ALIAS serving the version the alias points to: on every sign that
 * the alias moved (the store's watch), the holder resolves it again and swaps the new version in
 * (requests in flight finish on the old one). Changes that arrive during a swap are taken after it,
 * once; a version that fails to load leaves the old one serving.
 */
import type { ModelHolder } from './model-holder.js';

export type WatchAlias = (onChange: () => void) => () => void;

export interface FollowEvents {
  onSwap?: (hash: string) => void;
  onRefused?: (err: unknown) => void;
}

export function followAlias(models: ModelHolder, watch: WatchAlias, events: FollowEvents = {}): () => void {
  let running = false;
  let again = false;
  const check = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    models
      .follow()
      .then((predictor) => predictor && events.onSwap?.(predictor.bundleHash))
      .catch((err: unknown) => events.onRefused?.(err))
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          check();
        }
      });
  };
  return watch(check);
}
