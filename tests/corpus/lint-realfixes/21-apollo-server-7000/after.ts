class ReportData {
  constructor(public readonly executableSchemaId: string) {}
  report = { tracesPerQuery: Object.create(null) as Record<string, unknown[]> };
}

export function usageReportingPlugin(send: (id: string, report: unknown) => Promise<void>) {
  const reportDataByExecutableSchemaId: { [id: string]: ReportData | undefined } = Object.create(null);

  function getReportData(executableSchemaId: string): ReportData {
    const existing = reportDataByExecutableSchemaId[executableSchemaId];
    if (existing) return existing;
    const reportData = new ReportData(executableSchemaId);
    reportDataByExecutableSchemaId[executableSchemaId] = reportData;
    return reportData;
  }

  async function sendAllReports() {
    for (const id of Object.keys(reportDataByExecutableSchemaId)) {
      const data = reportDataByExecutableSchemaId[id]!;
      delete reportDataByExecutableSchemaId[id];
      await send(id, data.report);
    }
  }

  return {
    async requestDidStart({ schemaHash }: { schemaHash: string }) {
      return {
        async willSendResponse({ queryHash, trace }: { queryHash: string; trace: unknown }) {
          const data = getReportData(schemaHash);
          (data.report.tracesPerQuery[queryHash] ??= []).push(trace);
        },
      };
    },
    sendAllReports,
  };
}
