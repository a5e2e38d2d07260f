/**
 * The Teams sink's storage: one JSON line per received message in `<dataDir>/teams-messages.jsonl`, appended
 * synchronously so the file order is the arrival order and a restart sees everything acknowledged before it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TeamsMessage, WorkflowsMessage } from './types';

export const TEAMS_MESSAGES_FILE = 'teams-messages.jsonl';

export class TeamsStore {
  readonly file: string;
  private readonly items: TeamsMessage[] = [];

  constructor(dataDir: string, private readonly log: (message: string) => void) {
    this.file = path.join(dataDir, TEAMS_MESSAGES_FILE);
    fs.mkdirSync(dataDir, { recursive: true });
    this.load();
  }

  append(message: WorkflowsMessage, now: Date = new Date()): TeamsMessage {
    const item: TeamsMessage = { seq: (this.items.at(-1)?.seq ?? 0) + 1, receivedAt: now.toISOString(), message };
    // Cards carry approval links: keep the channel's file to its owner.
    fs.appendFileSync(this.file, `${JSON.stringify(item)}\n`, { mode: 0o600 });
    this.items.push(item);
    return item;
  }

  /** Oldest first; a copy, so callers cannot reorder the store. */
  all(): TeamsMessage[] {
    return [...this.items];
  }

  private load(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        const item = JSON.parse(line) as TeamsMessage;
        if (typeof item.seq === 'number' && typeof item.receivedAt === 'string' && typeof item.message === 'object') this.items.push(item);
        else this.log(`${this.file}:${i + 1}: not a stored message, skipped`);
      } catch {
        // Only a crash in the middle of an append leaves a torn line; the messages around it are still good.
        this.log(`${this.file}:${i + 1}: unreadable line skipped`);
      }
    });
    if (text.length > 0 && !text.endsWith('\n')) fs.appendFileSync(this.file, '\n'); // the next append starts a fresh line
  }
}

/** The test switch: the next `count` webhook posts fail with `status`, as an outage or throttling would. */
export class TeamsFaults {
  private status = 0;
  private remaining = 0;

  set(status: number, count: number): void {
    this.status = status;
    this.remaining = count;
  }

  /** The status to fail this post with, consuming one, or undefined to accept it. */
  take(): number | undefined {
    if (this.remaining <= 0) return undefined;
    this.remaining -= 1;
    return this.status;
  }

  state(): { status: number; remaining: number } {
    return { status: this.remaining > 0 ? this.status : 0, remaining: this.remaining };
  }
}
