import type { SampleState } from './sandbox.ts';

export interface SandboxProgressOptions {
  out: NodeJS.WritableStream;
  /** Redraw a table in place (ANSI cursor movement); otherwise one plain line per change. */
  tty: boolean;
}

const COLUMNS = ['NAME', 'NODE', 'STATUS', 'PROGRESS', 'READY', 'EXPECTED'] as const;

/**
 * Shows the sandbox's resources as they change: on a terminal a table (the kubectl printer columns
 * plus the expected state) redrawn in place, elsewhere (pipes, CI logs) a plain line per resource
 * that changed, without escape sequences.
 */
export class SandboxProgress {
  readonly #options: SandboxProgressOptions;
  #tableLines = 0;
  readonly #lastLine = new Map<string, string>();

  constructor(options: SandboxProgressOptions) {
    this.#options = options;
  }

  update(states: readonly SampleState[]): void {
    if (this.#options.tty) this.#redraw(states);
    else this.#logChanges(states);
  }

  /** Text written below the table, which a redraw must not overwrite. */
  print(text: string): void {
    this.#options.out.write(text);
    this.#tableLines = 0;
  }

  #redraw(states: readonly SampleState[]): void {
    const rows = [[...COLUMNS], ...states.map(cells)];
    const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
    const lines = rows.map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('   ')
        .trimEnd(),
    );
    // Up to the table's first line, erase to the end of the screen, draw again.
    const rewind = this.#tableLines > 0 ? `\x1b[${String(this.#tableLines)}F\x1b[J` : '';
    this.#options.out.write(`${rewind}${lines.join('\n')}\n`);
    this.#tableLines = lines.length;
  }

  #logChanges(states: readonly SampleState[]): void {
    for (const state of states) {
      const key = `${state.namespace}/${state.name}`;
      const [, node, status, progress, ready, expected] = cells(state);
      const line = `${key}: node=${orDash(node)} status=${orDash(status)} progress=${orDash(progress)} ready=${orDash(ready)}${state.reason === '' ? '' : ` (${state.reason})`}${expected === '' ? '' : ` expected=${expected ?? ''}`}`;
      if (this.#lastLine.get(key) === line) continue;
      this.#lastLine.set(key, line);
      this.#options.out.write(`${line}\n`);
    }
  }
}

function cells(state: SampleState): string[] {
  const expected = state.expected === undefined ? '' : `${state.expected} ${state.reached ? '✓' : '…'}`;
  return [state.name, state.node, state.status, state.progress, state.ready, expected];
}

function orDash(text: string | undefined): string {
  return text === undefined || text === '' ? '-' : text;
}
