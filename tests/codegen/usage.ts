// Compiled with the generated files (tests/test_codegen.py): the operation types are usable as a client would use them.
import type { PoliceOwnReportsQuery } from "./police/operations";
import type { SecurityAccessAuditQuery } from "./security/operations";

export function firstReportedOn(answer: PoliceOwnReportsQuery): string | undefined {
  return answer.negativeRecords.edges[0]?.node.reportedOn; // Date: an RFC 3339 full-date string
}

export function lastAccess(answer: SecurityAccessAuditQuery): Date | undefined {
  const at = answer.accessAudit.edges[0]?.node.at; // DateTime: an RFC 3339 date-time string
  return at === undefined ? undefined : new Date(at);
}

export function reporterName(answer: PoliceOwnReportsQuery): string | undefined {
  const cadre = answer.negativeRecords.edges[0]?.node.cadre;
  // @ts-expect-error the operation did not select idNumber
  void cadre?.idNumber;
  return cadre?.name;
}
