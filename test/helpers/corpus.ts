/**
 * Where the corpus of real Azure payloads is. The project's shared corpus (`../shared/corpus`) is the source of
 * truth and is read when present, so a file added there becomes a new test case; a clone elsewhere (CI) uses the
 * snapshot in `test/fixtures/corpus`. `DRIFTWARDEN_CORPUS_DIR` points at another copy.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');

function locate(): string {
  const candidates = [
    process.env.DRIFTWARDEN_CORPUS_DIR,
    join(REPO, '..', 'shared', 'corpus'),
    '/work/shared/corpus',
    join(REPO, 'test', 'fixtures', 'corpus'),
  ].filter((c): c is string => c !== undefined && c.length > 0);
  const found = candidates.find((c) => existsSync(join(c, 'events')) && existsSync(join(c, 'arm')));
  if (!found) throw new Error(`no corpus found (looked in ${candidates.join(', ')})`);
  return found;
}

export const CORPUS = locate();
