class ReportData {
  constructor(public readonly executableSchemaId: string) {}
  report = { tracesPerQuery: Object.create(null) as Record<string, unknown[]> };
  reset() {
    this.report = { tracesPerQuery: Object.create(null) };
  }
}

export function usageReportingPlugin(send: (id: string, report: unknown) => Promise<void>) {
  const reportDataByExecutableSchemaId: { [id: string]: ReportData | undefined } = Object.create(null);

  function getReportData(executableSchemaId: string): ReportData {
    const existing = reportDataByExecutableSchemaId[executableSchemaId];
    if (existing) return existing;
    const reportData = new ReportData(executableSchemaId);
    reportDataByExecutableSchemaId[executableSchemaId] = reportData; // leak: unbounded-cache
    return reportData;
  }

  async function sendAllReports() {
    for (const id of Object.keys(reportDataByExecutableSchemaId)) {
      const data = reportDataByExecutableSchemaId[id]!;
      const report = data.report;
      data.reset();
      await send(id, report);
    }
  }

  return {
    async requestDidStart({ schemaHash }: { schemaHash: string }) {
      const data = getReportData(schemaHash);
      return {
        async willSendResponse({ queryHash, trace }: { queryHash: string; trace: unknown }) {
          (data.report.tracesPerQuery[queryHash] ??= []).push(trace);
        },
      };
    },
    sendAllReports,
  };
}
