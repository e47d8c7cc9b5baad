/**
 * Where the CLI writes: results on stdout (human text, or JSON with `--json`), progress, prompts
 * and errors on stderr. A closed stdout (`redis-streamer tail x | head`) ends the command quietly.
 * Nothing reaches the terminal unescaped: every line written here goes through terminal.ts
 * (control characters escaped, line feeds kept; JSON keeps exact values in `\u` escapes), whatever
 * the command put in it. Values inside a line are escaped by the command too (line feeds there).
 */
import type { Writable } from 'node:stream';
import { printableJson, printableLines } from './terminal.js';

/** The CLI's streams (the process's, or a test's). */
export interface Io {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** Writes a command's results. */
export class Output {
  /** True when the reader went away (EPIPE on stdout). */
  closed = false;
  private readonly onClosed = new Set<() => void>();

  /**
   * @param io the streams.
   * @param json `--json`: results as JSON.
   */
  constructor(
    readonly io: Io,
    readonly json: boolean,
  ) {
    io.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      this.closed = true;
      for (const listener of this.onClosed) listener();
    });
  }

  /** Calls `listener` once stdout is closed by its reader. */
  whenClosed(listener: () => void): () => void {
    this.onClosed.add(listener);
    return () => this.onClosed.delete(listener);
  }

  /** Writes text to stdout, its control characters but line feeds escaped. */
  text(text: string): void {
    this.raw(printableLines(text));
  }

  /** Writes one line to stdout. */
  line(text: string): void {
    this.text(`${text}\n`);
  }

  /** Writes a value as pretty JSON (`--json`). */
  value(value: unknown): void {
    this.raw(`${printableJson(JSON.stringify(value, null, 2))}\n`);
  }

  /** Writes a value as one line of JSON (streams: NDJSON). */
  record(value: unknown): void {
    this.raw(`${printableJson(JSON.stringify(value))}\n`);
  }

  /** Writes a line to stderr (progress, notes, errors), its control characters but line feeds escaped. */
  note(text: string): void {
    this.io.stderr.write(`${printableLines(text)}\n`);
  }

  private raw(text: string): void {
    if (!this.closed) this.io.stdout.write(text);
  }
}
