/**
 * Progress of a long CLI job that reads a file: a bar redrawn in place on a terminal, a plain line every few
 * seconds otherwise (a log or CI). It writes to stderr, so stdout keeps only the result.
 */

const REDRAW_MS = 100;
const LOG_EVERY_MS = 5000;
const BAR_WIDTH = 24;

export interface ProgressSource {
  /** Bytes of the file read so far, and its size. */
  bytesRead(): number;
  totalBytes: number;
}

export function createProgress(
  label: string,
  source: ProgressSource,
  stream: NodeJS.WriteStream = process.stderr,
) {
  const started = Date.now();
  let shownAt = 0;
  let drawn = false;

  function line(rows: number): string {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const fraction = source.totalBytes > 0 ? Math.min(source.bytesRead() / source.totalBytes, 1) : 1;
    const rate = rows / seconds;
    const eta = fraction > 0 ? (seconds / fraction) * (1 - fraction) : 0;
    const parts = [
      `${label} ${Math.floor(fraction * 100)}%`,
      `${rows.toLocaleString('en-US')} rows`,
      `${Math.round(rate).toLocaleString('en-US')} rows/s`,
      `ETA ${formatDuration(eta)}`,
    ];
    if (!stream.isTTY) return parts.join(' · ');
    const filled = Math.round(fraction * BAR_WIDTH);
    return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${parts.join('  ')}`;
  }

  return {
    update(rows: number): void {
      const now = Date.now();
      if (now - shownAt < (stream.isTTY ? REDRAW_MS : LOG_EVERY_MS)) return;
      shownAt = now;
      if (stream.isTTY) {
        stream.write(`\r${line(rows)}\u001b[K`);
        drawn = true;
      } else stream.write(`${line(rows)}\n`);
    },
    /** Clears the bar, so that the summary that follows starts on a clean line. */
    finish(): void {
      if (drawn) stream.write('\r\u001b[K');
    },
  };
}

function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${whole % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
