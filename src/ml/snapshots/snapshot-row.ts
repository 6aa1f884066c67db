/** One frozen row of a snapshot: an item's features and its label at creation time. */
export interface SnapshotRow {
  itemId: number;
  key: string;
  url: string | null;
  features: Record<string, unknown>;
  label: string;
  confidence: number | null;
}
