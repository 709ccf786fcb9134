// Fails CI when vitest skipped or left pending any test: under CI, as root,
// every integration test must really run.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const notRun = [];
for (const file of report.testResults ?? []) {
  for (const t of file.assertionResults ?? []) {
    if (t.status !== 'passed' && t.status !== 'failed') notRun.push(`${t.status}: ${t.fullName}`);
  }
}
if (report.numTotalTests === 0) {
  console.error('check-no-skips: no tests ran');
  process.exit(1);
}
if (notRun.length > 0) {
  console.error(`check-no-skips: ${notRun.length} test(s) did not run under CI:\n  ${notRun.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-no-skips: all ${report.numTotalTests} tests ran`);
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed`);
