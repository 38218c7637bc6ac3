import type { OperationHandler } from '../http/operation-router';
import { queryOf } from '../routes/responses';
import type { Services } from '../services';
import { ReportRepository } from './report.repository';
import { type ExportQuery, ReportService, type SummaryQuery } from './report.service';

/**
 * Handlers of the admin reports (`/admin/v1/reports/*`), spread into the admin API's
 * operations. `searchEntitlements`, also tagged "Admin: reports", is in admin.routes.ts.
 */
export function reportHandlers(services: Pick<Services, 'transactions'>) {
  const reports = new ReportService({
    transactions: services.transactions,
    repository: new ReportRepository(),
  });

  return {
    getSummaryReport: async (ctx) => {
      ctx.body = await reports.getSummary(queryOf<SummaryQuery>(ctx));
    },
    exportEntitlementReport: async (ctx) => {
      const report = await reports.exportReport(queryOf<ExportQuery>(ctx));
      ctx.attachment(report.filename);
      ctx.type = 'text/csv; charset=utf-8';
      ctx.body = report.body;
    },
  } satisfies Record<string, OperationHandler>;
}
