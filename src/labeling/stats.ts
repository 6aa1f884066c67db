import type { Knex } from 'knex';
import { agreementReport, type AgreementReport } from './agreement.js';
import { streamByItem } from './annotation-stream.js';
import { canonicalAnswer, resultLabels } from './label-schema.js';
import type { Project } from './projects.js';
import { projectProgress, type Progress } from './review.js';

export interface AnnotatorStats {
  name: string;
  kind: string;
  annotations: number;
  goldSeen: number;
  goldCorrect: number;
  goldAccuracy: number | null;
  medianSeconds: number | null;
  /** Annotations per hour of work time (sum of lease-to-submit times). */
  perHour: number | null;
}

export interface ProjectStats {
  progress: Omit<Progress, 'mine'>;
  labels: Array<{ label: string; color: string | undefined; count: number }>;
  agreement: AgreementReport;
  annotators: AnnotatorStats[];
  timeline: Array<{ hour: string; annotations: number }>;
}

/** What the manager pages chart: progress, label distribution, agreement, annotators, throughput over time. */
export async function projectStats(db: Knex, project: Project): Promise<ProjectStats> {
  const { mine: _mine, ...progress } = await projectProgress(db, project, -1);
  const labelCounts = new Map<string, number>();
  const perAnnotator = new Map<string, { kind: string; annotations: number; goldSeen: number; goldCorrect: number; seconds: number[] }>();
  const timeline = new Map<string, number>();
  const units: Array<Array<{ annotator: string; answer: string; labels: string[] }>> = [];
  for await (const group of streamByItem(db, project.id)) {
    const unit = [];
    for (const a of group) {
      for (const l of resultLabels(a.result)) labelCounts.set(l, (labelCounts.get(l) ?? 0) + 1);
      const s = perAnnotator.get(a.user) ?? { kind: a.userKind, annotations: 0, goldSeen: 0, goldCorrect: 0, seconds: [] };
      s.annotations++;
      if (a.isGold) {
        s.goldSeen++;
        if (a.goldCorrect) s.goldCorrect++;
      }
      if (a.workSeconds !== null) s.seconds.push(a.workSeconds);
      perAnnotator.set(a.user, s);
      const hour = a.createdAt.slice(0, 13) + ':00:00Z';
      timeline.set(hour, (timeline.get(hour) ?? 0) + 1);
      unit.push({ annotator: a.user, answer: canonicalAnswer(a.result), labels: [...new Set(resultLabels(a.result))] });
    }
    if (!group[0].isGold) units.push(unit);
  }
  return {
    progress,
    labels: project.schema.labels.map((l) => ({ label: l.value, color: l.color, count: labelCounts.get(l.value) ?? 0 })),
    agreement: agreementReport(units, project.schema.labels.map((l) => l.value)),
    annotators: [...perAnnotator].map(([name, s]) => {
      const sorted = [...s.seconds].sort((a, b) => a - b);
      const total = sorted.reduce((x, y) => x + y, 0);
      return {
        name,
        kind: s.kind,
        annotations: s.annotations,
        goldSeen: s.goldSeen,
        goldCorrect: s.goldCorrect,
        goldAccuracy: s.goldSeen ? s.goldCorrect / s.goldSeen : null,
        medianSeconds: sorted.length ? sorted[Math.floor(sorted.length / 2)] : null,
        perHour: total > 0 ? (sorted.length * 3600) / total : null,
      };
    }),
    timeline: [...timeline].sort(([a], [b]) => (a < b ? -1 : 1)).map(([hour, annotations]) => ({ hour, annotations })),
  };
}
