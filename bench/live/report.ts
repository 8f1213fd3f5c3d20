/** Turns incidents and anomaly episodes plus the fault schedule into the live-bench report (shared by run and replay). */
import { DEFAULT_SERIES_DETECTOR_CONFIG } from '../../detectors/metrics/config.js';

export interface FaultWindow { name: string; service: string; startMs: number; endMs: number }
export interface IncidentView {
  id: string; status: string; openedAt: number; resolvedAt?: number; services: string[];
  rootCauses: { service: string; rank: number }[];
  groupingReasons?: string[];
}
/** One anomaly episode as the API lists it (`ts` is its opening time). */
export interface AnomalyView { id: string; ts: number; service?: string; subject?: string; significance?: string; detector?: string }
export interface FaultResult {
  name: string; service: string;
  /** Incidents opened during the fault (or within the grace after it): one is the aim. */
  incidentsOpened: number;
  incidentId: string | null; timeToIncidentS: number | null;
  trueCauseRank: number | null; openUntilFaultEnd: boolean | null; resolveAfterFaultEndS: number | null;
  /** How much data the recording holds after the fault ended: a resolve later than this cannot be seen. */
  observedAfterEndS: number;
  /**
   * The first significant episode on the fault's service opened during it (or within the grace
   * after it), whatever incident it joined: whether the fault was seen at all, apart from how it
   * was grouped.
   */
  timeToFirstAnomalyS: number | null;
  firstAnomalySubject: string | null;
}
export interface LiveReport {
  /** Judged healthy time: the healthy phase once the detector's warm-up is over. */
  judgedFromMs: number; healthyHours: number; series: number;
  episodes: number; significantEpisodes: number;
  episodesPer100SeriesHours: number | null; significantEpisodesPer100SeriesHours: number | null;
  incidentsOutsideFaults: number; faults: FaultResult[];
  /** The significant healthy episodes (at most 50), to see what a miss is made of. */
  significantHealthy: { at: string; service?: string; subject?: string; detector?: string }[];
  /** Every incident, oldest first, in short. */
  incidents: { id: string; openedAt: string; resolvedAt: string | null; services: string[]; rootCauses: string[]; openedBy: string }[];
}

/** The scrape interval of deploy/local/prometheus.yml.tmpl. */
export const SCRAPE_MS = 5_000;
/**
 * The detector judges a series after `warmupPoints` points or `warmupMs` of data, whichever comes
 * first (detectors/metrics/config.ts); a counter's rate needs one point more.
 */
export const WARMUP_MS = Math.min(DEFAULT_SERIES_DETECTOR_CONFIG.warmupMs, (DEFAULT_SERIES_DETECTOR_CONFIG.warmupPoints + 1) * SCRAPE_MS);
/** Incidents opened this long after a fault ends still count as that fault's (detection lags the data). */
const GRACE_MS = 120_000;

export function buildReport(input: {
  healthyStartMs: number; healthyEndMs: number; faults: FaultWindow[];
  /** Distinct series with samples in [from, to). */
  seriesIn: (fromMs: number, toMs: number) => number;
  /** Time of the last data the pipeline got. */
  dataEndMs: number;
  incidents: IncidentView[]; anomalies: AnomalyView[];
}): LiveReport {
  const { faults, incidents } = input;
  const inFault = (t: number): boolean => faults.some((f) => t >= f.startMs && t <= f.endMs + GRACE_MS);
  const judgedFromMs = input.healthyStartMs + WARMUP_MS;
  const healthyMs = Math.max(0, input.healthyEndMs - judgedFromMs);
  const healthy = input.anomalies.filter((a) => a.ts >= judgedFromMs && a.ts < input.healthyEndMs);
  const significant = healthy.filter((a) => a.significance !== 'internal');
  const series = healthyMs > 0 ? input.seriesIn(judgedFromMs, input.healthyEndMs) : 0;
  const seriesHours = (series * healthyMs) / 3_600_000;
  const per100 = (n: number): number | null => (seriesHours > 0 ? (100 * n) / seriesHours : null);
  return {
    judgedFromMs,
    healthyHours: healthyMs / 3_600_000,
    series,
    episodes: healthy.length,
    significantEpisodes: significant.length,
    episodesPer100SeriesHours: per100(healthy.length),
    significantEpisodesPer100SeriesHours: per100(significant.length),
    incidentsOutsideFaults: incidents.filter((i) => i.openedAt >= judgedFromMs && !inFault(i.openedAt)).length,
    faults: faults.map((f) => {
      const during = incidents.filter((i) => i.openedAt >= f.startMs && i.openedAt <= f.endMs + GRACE_MS).sort((a, b) => a.openedAt - b.openedAt);
      const hit = during.find((i) => i.services.includes(f.service)) ?? during[0];
      const observedAfterEndS = Math.max(0, (input.dataEndMs - f.endMs) / 1000);
      const seen = input.anomalies.filter((a) => a.service === f.service && a.significance !== 'internal' && a.ts >= f.startMs && a.ts <= f.endMs + GRACE_MS)
        .sort((a, b) => a.ts - b.ts)[0];
      const none = {
        name: f.name, service: f.service, incidentsOpened: during.length, observedAfterEndS,
        timeToFirstAnomalyS: seen ? (seen.ts - f.startMs) / 1000 : null, firstAnomalySubject: seen?.subject ?? null,
      };
      if (!hit) return { ...none, incidentId: null, timeToIncidentS: null, trueCauseRank: null, openUntilFaultEnd: null, resolveAfterFaultEndS: null };
      return {
        ...none, incidentId: hit.id,
        timeToIncidentS: (hit.openedAt - f.startMs) / 1000,
        trueCauseRank: hit.rootCauses.find((c) => c.service === f.service)?.rank ?? null,
        openUntilFaultEnd: hit.resolvedAt === undefined || hit.resolvedAt >= f.endMs,
        resolveAfterFaultEndS: hit.resolvedAt !== undefined ? (hit.resolvedAt - f.endMs) / 1000 : null,
      };
    }),
    incidents: [...incidents].sort((a, b) => a.openedAt - b.openedAt).map((i) => ({
      id: i.id, openedAt: new Date(i.openedAt).toISOString(), resolvedAt: i.resolvedAt !== undefined ? new Date(i.resolvedAt).toISOString() : null,
      services: i.services, rootCauses: i.rootCauses.slice(0, 3).map((c) => c.service), openedBy: i.groupingReasons?.[0] ?? '',
    })),
    significantHealthy: significant.slice(0, 50).map((a) => ({ at: new Date(a.ts).toISOString(), service: a.service, subject: a.subject, detector: a.detector })),
  };
}
