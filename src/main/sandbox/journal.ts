import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/**
 * The sandboxes' persistence: one append-only JSON-lines file per sandbox in a private folder.
 *
 * - Each line is a JSON array of records written by one change (one API request, one timer step), so a change is
 *   all-or-nothing: a line cut short by a crash does not parse and is skipped whole when the file is read.
 * - A change is written synchronously before the sandbox answers: one appending write (as appendFileSync does,
 *   but on a descriptor kept open in O_APPEND mode, and without fsync). It survives the process dying, as
 *   Stripe's answer would, but not the machine losing power.
 * - Records are "put"/"delete" records keyed by object id, so reading them again is harmless; the sandbox decides
 *   what a record means.
 * - Compaction rewrites the whole state as one record per line into a temp file (fsynced, mode 0600) that is then
 *   renamed over the journal. The sandboxes compact when they start, and on their own once the journal has grown
 *   past twice its compacted size (and at least 32 MiB), so no change ever rewrites the whole state.
 * - The folder is made mode 0700 and the file 0600: sandbox state holds customers' names and emails.
 *
 * One process at a time: two sandboxes over the same folder and file would interleave their lines.
 */
const COMPACT_MIN_BYTES = 32 * 1024 * 1024;

export class Journal<R> {
  readonly file: string;
  private fd: number | null = null;
  private grownBytes = 0;
  private compactedBytes = 0;

  constructor(
    readonly dir: string,
    name: string,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    this.file = path.join(dir, name);
  }

  /** Every record written so far, oldest first. */
  load(): R[] {
    if (!existsSync(this.file)) return [];
    const records: R[] = [];
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (line === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue; // torn by a crash mid-write: that change never happened
      }
      if (Array.isArray(parsed)) records.push(...(parsed as R[]));
    }
    return records;
  }

  /** Writes one change (its records together, as one line). */
  append(records: R[]): void {
    if (records.length === 0) return;
    this.grownBytes += this.writeAll(this.open(), `${JSON.stringify(records)}\n`);
  }

  /**
   * Compacts once the journal has grown enough since the last compaction to be worth rewriting. A failure here
   * loses nothing (the journal is only replaced by a complete rewrite), so it is left for the next start.
   */
  compactIfDue(state: () => Iterable<R>): void {
    if (this.grownBytes <= Math.max(COMPACT_MIN_BYTES, this.compactedBytes * 2)) return;
    try {
      this.compact(state());
    } catch {
      this.grownBytes = 0; // try again after as much growth again
    }
  }

  /** Rewrites the journal as exactly these records: temp file, fsync, rename over. */
  compact(records: Iterable<R>): void {
    this.close();
    const temp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    let size = 0;
    try {
      let chunk = '';
      for (const record of records) {
        chunk += `${JSON.stringify([record])}\n`;
        if (chunk.length >= 1 << 20) {
          size += this.writeAll(fd, chunk);
          chunk = '';
        }
      }
      if (chunk !== '') size += this.writeAll(fd, chunk);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, 0o600);
    renameSync(temp, this.file);
    this.compactedBytes = size;
    this.grownBytes = 0;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private open(): number {
    if (this.fd !== null) return this.fd;
    const fd = openSync(this.file, 'a+', 0o600);
    chmodSync(this.file, 0o600);
    // A line torn by a crash must not swallow the next change: end it first.
    const size = fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) this.writeAll(fd, '\n');
    }
    this.fd = fd;
    return fd;
  }

  private writeAll(fd: number, text: string): number {
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    return bytes.length;
  }
}
