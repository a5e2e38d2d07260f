/**
 * Sign-in sessions: random ids in an HttpOnly cookie, kept in memory and written to `<dataDir>/front-sessions.json`
 * so restarting `npm start` keeps a browser signed in. The file holds SHA-256 digests of the ids, not the ids, so
 * reading it does not let anyone take over a session.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../host/fsAtomic';

export const SESSION_COOKIE = 'AppServiceAuthSession';
export const SESSIONS_FILE = 'front-sessions.json';

interface StoredSession {
  /** `LocalUser.name`: resolved on every request, so a user removed from the list is signed out. */
  user: string;
  createdAt: string;
}

interface SessionsFile {
  formatVersion: 1;
  sessions: Record<string, StoredSession>;
}

export class SessionStore {
  private readonly file: string;
  private readonly byDigest = new Map<string, StoredSession>();

  constructor(dataDir: string, private readonly log: (message: string) => void) {
    this.file = path.join(dataDir, SESSIONS_FILE);
    this.load();
  }

  /** Returns the new session id (the cookie value). */
  create(user: string, now: Date = new Date()): string {
    const id = randomBytes(32).toString('base64url');
    this.byDigest.set(digest(id), { user, createdAt: now.toISOString() });
    this.save();
    return id;
  }

  /** The user name of a live session, if any. */
  userOf(id: string | undefined): string | undefined {
    if (!id) return undefined;
    return this.byDigest.get(digest(id))?.user;
  }

  delete(id: string | undefined): void {
    if (!id || !this.byDigest.delete(digest(id))) return;
    this.save();
  }

  private load(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return; // first run
    }
    try {
      const parsed = JSON.parse(text) as Partial<SessionsFile>;
      for (const [key, value] of Object.entries(parsed.sessions ?? {})) {
        if (typeof value?.user === 'string') this.byDigest.set(key, { user: value.user, createdAt: String(value.createdAt ?? '') });
      }
    } catch (err) {
      // A broken file only costs a sign-in; it must not stop the demo from starting.
      this.log(`ignoring unreadable ${this.file}: ${(err as Error).message}`);
    }
  }

  private save(): void {
    const file: SessionsFile = { formatVersion: 1, sessions: Object.fromEntries(this.byDigest) };
    writeJsonAtomic(this.file, file);
  }
}

function digest(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}
