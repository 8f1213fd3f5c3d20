/** Turns polled incidents and anomalies plus the fault schedule into the live-bench report (shared by run and replay). */
export interface FaultWindow { name: string; service: string; startMs: number; endMs: number }
export interface IncidentView {
  id: string; status: string; openedAt: number; resolvedAt?: number; services: string[];
  rootCauses: { service: string; rank: number }[];
}
export interface AnomalyView { id: string; ts: number; service?: string; subject?: string }
export interface FaultResult {
  name: string; service: string; incidentId: string | null; timeToIncidentS: number | null;
  trueCauseRank: number | null; openUntilFaultEnd: boolean | null; resolveAfterFaultEndS: number | null;
}
export interface LiveReport {
  healthyHours: number; series: number; anomaliesPer100SeriesHours: number | null;
  episodesPer100SeriesHours: number | null; incidentsOutsideFaults: number; faults: FaultResult[];
}

/** Incidents opened this long after a fault ends still count as that fault's (detection lags the data). */
const GRACE_MS = 120_000;

export function buildReport(input: {
  healthyStartMs: number; healthyEndMs: number; series: number; faults: FaultWindow[];
  incidents: IncidentView[]; anomalies: AnomalyView[];
}): LiveReport {
  const { faults, incidents } = input;
  const inFault = (t: number): boolean => faults.some((f) => t >= f.startMs && t <= f.endMs + GRACE_MS);
  const healthyMs = Math.max(0, input.healthyEndMs - input.healthyStartMs);
  const healthyAnoms = input.anomalies.filter((a) => a.ts >= input.healthyStartMs && a.ts < input.healthyEndMs).length;
  const seriesHours = (input.series * healthyMs) / 3_600_000;
  return {
    healthyHours: healthyMs / 3_600_000,
    series: input.series,
    anomaliesPer100SeriesHours: seriesHours > 0 ? (100 * healthyAnoms) / seriesHours : null,
    // The query API has no episodes endpoint on this branch; reported as null rather than guessed.
    episodesPer100SeriesHours: null,
    incidentsOutsideFaults: incidents.filter((i) => i.openedAt >= input.healthyStartMs && !inFault(i.openedAt)).length,
    faults: faults.map((f) => {
      const hit = incidents
        .filter((i) => i.openedAt >= f.startMs && i.openedAt <= f.endMs + GRACE_MS)
        .sort((a, b) => a.openedAt - b.openedAt)
        .find((i) => i.services.includes(f.service)) ?? incidents.find((i) => i.openedAt >= f.startMs && i.openedAt <= f.endMs + GRACE_MS);
      if (!hit) return { name: f.name, service: f.service, incidentId: null, timeToIncidentS: null, trueCauseRank: null, openUntilFaultEnd: null, resolveAfterFaultEndS: null };
      const rank = hit.rootCauses.find((c) => c.service === f.service)?.rank ?? null;
      return {
        name: f.name, service: f.service, incidentId: hit.id,
        timeToIncidentS: (hit.openedAt - f.startMs) / 1000,
        trueCauseRank: rank,
        openUntilFaultEnd: hit.resolvedAt === undefined || hit.resolvedAt >= f.endMs,
        resolveAfterFaultEndS: hit.resolvedAt !== undefined ? (hit.resolvedAt - f.endMs) / 1000 : null,
      };
    }),
  };
}
