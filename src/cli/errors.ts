// Errors the user can fix: the CLI prints the message alone (no stack) and
// exits with exitCode. Everything else is a bug and keeps its stack.
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
