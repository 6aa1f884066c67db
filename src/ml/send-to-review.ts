import type { Knex } from 'knex';
import { InputError } from '../core/errors.js';
import { getProject } from '../labeling/projects.js';
import { flagItems, type FlagOutcome } from '../labeling/review-flags.js';
import type { LabelIssue } from './label-noise.js';
import type { Snapshot } from './snapshots/snapshot-store.js';

/** The labeling project a snapshot was frozen from; label issues can only go back there. */
export function reviewProjectOf(snapshot: Snapshot): string {
  if (snapshot.origin.kind !== 'project') {
    throw new InputError(`--send-to-review: snapshot "${snapshot.name}" comes from source "${snapshot.origin.source}", not from a labeling project`);
  }
  return snapshot.origin.project;
}

/** Flags the items the label-noise finder suspects in the project the snapshot came from. */
export async function sendLabelIssuesToReview(db: Knex, snapshot: Snapshot, issues: LabelIssue[], model: string): Promise<FlagOutcome> {
  const project = await getProject(db, reviewProjectOf(snapshot));
  const flags = issues.map((issue) => ({
    itemId: issue.itemId,
    reason: `model ${model} suggests "${issue.suggestedLabel}" (p ${issue.suggestedProbability.toFixed(2)}) over the given "${issue.givenLabel}" (p ${issue.selfConfidence.toFixed(2)})`,
    details: { ...issue },
  }));
  return flagItems(db, project, `label-noise finder of model ${model}, snapshot ${snapshot.name}`, flags);
}
