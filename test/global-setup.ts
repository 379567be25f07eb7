import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** After the run: remove the bundles the server tests trained (test/server/real.ts names the folder by this process). */
export default function setup(): () => Promise<void> {
  return async () => {
    await rm(join(tmpdir(), `rebuy-server-tests-${process.pid}`), { recursive: true, force: true });
  };
}
