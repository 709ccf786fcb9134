// The audit pipeline without I/O: policy text → plan → (caller's scan) → verdicts.
// The CLI command reads the file, supplies a scanner and writes the renderings:
//
//   const result = await runAuditCore(text, 'policy.yaml', { full }, (plan) => scanGroups(plan));
//   process.stdout.write(renderAuditTable(result));          // or renderAuditJson
//   if (junitFile) writeFileSync(junitFile, renderAuditJUnit(result));
//   process.exitCode = result.exitCode;                      // PolicyError → exit 2
import type { ScanReport } from '../scan/types.js';
import { planAudit, type AuditOptions, type AuditPlan } from './plan.js';
import { parsePolicy } from './policy.js';
import { judgeAudit, type AuditResult } from './verdict.js';

/**
 * Runs the plan's scans and returns one report holding every group's results.
 * The report must list every probed port of every host (not only open ones), with
 * results of plan.scan; ACK results (scan 'ack') are optional extra evidence.
 */
export type AuditScanner = (plan: AuditPlan) => Promise<ScanReport>;

/** Parse the policy and plan its probes; throws PolicyError (exit code 2) on a bad policy. */
export function prepareAudit(policyText: string, fileName: string, options: AuditOptions = {}): AuditPlan {
  return planAudit(parsePolicy(policyText, fileName), options);
}

export async function runAuditCore(
  policyText: string,
  fileName: string,
  options: AuditOptions,
  scan: AuditScanner,
): Promise<AuditResult> {
  const plan = prepareAudit(policyText, fileName, options);
  return judgeAudit(plan, await scan(plan));
}

export { renderAuditJson, renderAuditTable } from './audit-report.js';
export { renderAuditJUnit } from './junit.js';
export { auditExitCode, judgeAudit, type AuditResult } from './verdict.js';
export { expectedAt, planAudit, type AuditOptions, type AuditPlan, type ProbeGroup } from './plan.js';
export { parsePolicy } from './policy.js';
export { PolicyError } from './policy-types.js';
