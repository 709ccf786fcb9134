// Text gathered into large chunks for a formatter's render(). A report's text
// is made of many small strings (a /16 scan has 65536 hosts, a host 65535
// ports); yielding each one would cost a generator step and an append to the
// writer's batch apiece. Formatters add() their strings and yield the chunks
// that take() hands over, after each host.

/** A chunk is complete once it holds this many UTF-16 code units. */
export const CHUNK_CHARS = 64 * 1024;

const NONE: readonly string[] = [];

/** Where a formatter's functions add their text. */
export interface TextSink {
  add(text: string): void;
}

/** A sink that gathers a short text into one string. */
export class StringSink implements TextSink {
  text = '';

  add(text: string): void {
    this.text += text;
  }
}

export class TextChunks implements TextSink {
  private text = '';
  private full: string[] = [];

  add(text: string): void {
    this.text += text;
    if (this.text.length >= CHUNK_CHARS) {
      this.full.push(flat(this.text));
      this.text = '';
    }
  }

  /** some chunk is complete: take() has chunks */
  get ready(): boolean {
    return this.full.length > 0;
  }

  /** the complete chunks added since the last take(), in order */
  take(): readonly string[] {
    if (this.full.length === 0) return NONE;
    const full = this.full;
    this.full = [];
    return full;
  }

  /** every chunk not taken yet, the last one possibly short or empty */
  end(): readonly string[] {
    const rest = this.take();
    const last = this.text;
    this.text = '';
    return [...rest, last];
  }
}

/**
 * text, made flat. A chunk added piece by piece is a rope of thousands of
 * small strings; the garbage collector would copy them all as long as the
 * chunk waits to be written (a host of 65535 ports makes hundreds of chunks).
 * Converting it to a number makes V8 copy it into one flat string (the
 * technique of the flatstr package); the write then reads that copy.
 */
export function flat(text: string): string {
  Number(text);
  return text;
}
