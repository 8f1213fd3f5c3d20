// How detect scales by partitions (issue 13: 2 replicas >= 1.7x one). While the pipeline runs,
// detect keeps pace with what it is offered, so its rate then says nothing about what more
// replicas add. Instead, for 1 and then 2 replicas: every detect replica is stopped, a backlog
// of metric points is acknowledged by ingest into Kafka, the replicas are started, and their
// rate is timed from the moment the consumer group is stable with all of them until 80% of what
// was left is done (start-up, the group join and the last partial batches left out). What they
// have to catch up is the group's lag when they start (from Kafka's offsets, so records replayed
// from the last checkpoint count too); what they did is the sum of their received counters.
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { nextGridTs, sendBacklog, type BacklogOptions } from './backlog.js';
import { procSample } from './pipeline-process.js';

export interface DetectScalingOptions {
  ingest: string;
  brokers: string[];
  /** Topic and group prefix of the run (AIOPS_KAFKA_TOPIC_PREFIX). */
  prefix: string;
  /** Stops every detect replica; resolves once they exited. */
  stopDetect: () => Promise<void>;
  /** Starts this many detect replicas; resolves with their /metrics URLs and pids. */
  startDetect: (replicas: number) => Promise<{ urls: string[]; pids: number[] }>;
  series: number;
  seconds: number;
  batch: number;
  line: BacklogOptions['line'];
  replicas: readonly number[];
  notBefore?: number;
}

export interface DetectScalingResult {
  backlogPoints: number;
  /** Records/s drained by each replica count. */
  recordsPerSecond: Record<string, number>;
  /**
   * Records per CPU-second of the detect processes, by replica count: what partitioning costs.
   * Equal figures mean the work divides by partitions without overhead, so throughput grows with
   * the cores given to the replicas; a shared 2-core machine has no second core to give them.
   */
  recordsPerCpuSecond: Record<string, number>;
  /** Machine CPU-seconds per wall second while the replicas drained (of os.cpus().length). */
  machineBusyCores: Record<string, number>;
  /** The most replicas' rate over one replica's. */
  mostToOne: number | null;
  nextTs: number;
}

/** CPU-seconds the whole machine spent busy so far (all processes, /proc/stat). */
function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return (cpu.reduce((a, b) => a + b, 0) - idle) / 100;
}

const RECEIVED = /^aiops_component_received_events_total\{([^}]*)\}\s+([0-9.e+]+)/;

/** Records the replicas' detect component accepted so far (feedback records left out). */
async function received(urls: readonly string[]): Promise<number> {
  let sum = 0;
  for (const url of urls) {
    const text = await fetch(url).then((r) => (r.ok ? r.text() : ''), () => '');
    for (const line of text.split('\n')) {
      const m = RECEIVED.exec(line);
      if (m && m[1]!.includes('stage="detect"') && !m[1]!.includes('component="feedback"')) sum += Number(m[2]);
    }
  }
  return sum;
}

export async function detectScaling(o: DetectScalingOptions): Promise<DetectScalingResult> {
  const kafka = new Kafka({ clientId: 'bench-detect-scaling', brokers: o.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = [`${o.prefix}aiops.metrics.v1`, `${o.prefix}aiops.logs.v1`];
  const lagOf = async (group: string): Promise<number> => {
    const committed = await admin.fetchOffsets({ groupId: `${o.prefix}${group}`, topics });
    let lag = 0;
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const p of ends) {
        const at = Number(done.find((d) => d.partition === p.partition)?.offset ?? '-1');
        lag += Number(p.high) - (at >= 0 ? at : Number(p.low));
      }
    }
    return lag;
  };
  const recordsPerSecond: Record<string, number> = {};
  const recordsPerCpuSecond: Record<string, number> = {};
  const machineBusyCores: Record<string, number> = {};
  let backlogPoints = 0;
  let nextTs = o.notBefore ?? 0;
  try {
    for (const replicas of o.replicas) {
      await o.stopDetect();
      const sent = await sendBacklog({ ingest: o.ingest, series: o.series, seconds: o.seconds, batch: o.batch, line: o.line, fromTs: nextGridTs(nextTs) });
      nextTs = sent.nextTs;
      backlogPoints = sent.points;
      // The sink and the correlator drain the same backlog: let the sink finish first, so the
      // replicas are timed on the cores they would have in a steady state.
      const sinkDeadline = Date.now() + 120_000;
      while ((await lagOf('aiops-sink')) > 0 && Date.now() < sinkDeadline) await new Promise((r) => setTimeout(r, 200));
      const lag = await lagOf('aiops-detect');
      console.log(`  detect backlog: ${sent.points} points acknowledged with detect stopped (group lag ${lag}); starting ${replicas} replica(s)`);
      const { urls, pids } = await o.startDetect(replicas);
      const cpuOf = (): number => pids.reduce((sum, pid) => sum + (procSample(pid)?.cpuSeconds ?? 0), 0);
      let startCpu = 0;
      let startBusy = 0;
      const deadline = Date.now() + 600_000;
      // Timed from the moment the group is stable with every replica in it: before that, the
      // first replica to join has every partition and a rebalance is still to come.
      let startN: number | undefined;
      let startAt = 0;
      for (;;) {
        const n = await received(urls);
        const now = performance.now();
        if (startN === undefined) {
          const { groups } = await admin.describeGroups([`${o.prefix}aiops-detect`]);
          const g = groups[0];
          if (g && g.state === 'Stable' && g.members.length === replicas) {
            // Too little left to time: the first replica to join did most of it alone.
            if (lag - n < lag * 0.5) {
              console.log(`  ${replicas} detect replica(s): ${n} of ${lag} records were done before the group was stable; not timed (raise BENCH_DETECT_BACKLOG_SECONDS)`);
              break;
            }
            startN = n; startAt = now; startCpu = cpuOf(); startBusy = machineBusySeconds();
          }
        } else if (n - startN >= (lag - startN) * 0.8 && now > startAt) {
          const wallS = (now - startAt) / 1000;
          recordsPerSecond[String(replicas)] = Math.round((n - startN) / wallS);
          recordsPerCpuSecond[String(replicas)] = Math.round((n - startN) / Math.max(0.01, cpuOf() - startCpu));
          machineBusyCores[String(replicas)] = Math.round(((machineBusySeconds() - startBusy) / wallS) * 100) / 100;
          break;
        }
        if (Date.now() > deadline) throw new Error(`${replicas} detect replica(s) took ${n} of ${lag} backlog records in 10 minutes`);
        await new Promise((r) => setTimeout(r, 50));
      }
      if (recordsPerSecond[String(replicas)] !== undefined) console.log(`  ${replicas} detect replica(s): ${recordsPerSecond[String(replicas)]} records/s, ${recordsPerCpuSecond[String(replicas)]} per detect CPU-second, machine ${machineBusyCores[String(replicas)]} cores busy`);
    }
  } finally {
    await admin.disconnect();
  }
  const most = Math.max(...o.replicas);
  const one = recordsPerSecond['1'];
  const top = recordsPerSecond[String(most)];
  return { backlogPoints, recordsPerSecond, recordsPerCpuSecond, machineBusyCores, mostToOne: one && top && most > 1 ? Math.round((top / one) * 100) / 100 : null, nextTs };
}
