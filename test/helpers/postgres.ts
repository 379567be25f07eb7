/** The run's PostgreSQL server (test/helpers/postgres-setup.ts): its connection string, or null after saying in one line why tests skip. */
import { inject } from 'vitest';

export function postgresUrl(tests: string): string | null {
  const url = inject('postgresUrl');
  if (url === null) console.warn(`${tests} SKIPPED: ${inject('postgresUnavailable')}`);
  return url;
}
