// The exit status a command asks for; main() exits with it. Commands never
// call process.exit themselves. The highest code requested wins.
let requested = 0;

export function setExitCode(code: number): void {
  requested = Math.max(requested, code);
}

export function exitCode(): number {
  return requested;
}
