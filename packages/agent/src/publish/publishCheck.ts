/**
 * One check of a version, in the shape the publish API shows
 * (`checks: [{ name, status, findings }]`). A check belongs to the version it
 * ran on: a new snapshot makes its results stale.
 */
export type CheckStatus = 'passed' | 'warning' | 'failed';

export interface PublishCheck<Finding> {
  name: string;
  status: CheckStatus;
  findings: Finding[];
}
