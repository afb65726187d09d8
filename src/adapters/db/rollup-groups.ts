import type { ClickEvent } from '../../core/analytics/click.js';
import { DIMENSIONS } from '../../core/analytics/dimensions.js';

/** A rollup row's key (click_rollups_hourly/daily) and its click count. */
export interface RollupKey {
  workspaceId: string;
  /** '' = the whole workspace. */
  linkId: string;
  /** '' = totals. */
  dimension: string;
  bucket: number;
  bot: boolean;
  /** '' = unknown (and totals). */
  value: string;
  clicks: number;
}

/**
 * The rollup rows a set of clicks adds to, grouped by (workspace, link, bucket, bot) and then
 * by dimension and value: one string key is built per click and group instead of one per row
 * (this runs up to ~30 times per click). What a row collects of its visitors is the caller's:
 * ingest keeps a VisitorSketch, the bulk load plain register numbers.
 */
export class RollupGroups<R extends RollupKey> {
  private groups = new Map<string, { total: R; byDimension: Map<string, R>[] }>();

  constructor(
    private readonly newRow: (key: RollupKey) => R,
    /** Adds one click, whose visitor has the packed register (VisitorSketch.register), to the row. */
    private readonly count: (row: R, register: number) => void,
  ) {}

  /** The click's total row of the group, and with `dimensions` one row per dimension. */
  add(e: ClickEvent, linkId: string, bucket: number, register: number, dimensions = true): void {
    const key = `${e.workspaceId}\u0000${linkId}\u0000${bucket}\u0000${e.bot ? 1 : 0}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { total: this.row(e, linkId, '', bucket, ''), byDimension: DIMENSIONS.map(() => new Map()) };
      this.groups.set(key, group);
    }
    this.count(group.total, register);
    if (!dimensions) return;
    for (let i = 0; i < DIMENSIONS.length; i++) {
      const dimension = DIMENSIONS[i]!;
      const value = e[dimension] ?? '';
      const rows = group.byDimension[i]!;
      let row = rows.get(value);
      if (!row) rows.set(value, (row = this.row(e, linkId, dimension, bucket, value)));
      this.count(row, register);
    }
  }

  /** Every row so far (unordered), and a fresh start. */
  take(): R[] {
    const out: R[] = [];
    for (const group of this.groups.values()) {
      out.push(group.total);
      for (const rows of group.byDimension) for (const row of rows.values()) out.push(row);
    }
    this.groups = new Map();
    return out;
  }

  private row(e: ClickEvent, linkId: string, dimension: string, bucket: number, value: string): R {
    return this.newRow({ workspaceId: e.workspaceId, linkId, dimension, bucket, bot: e.bot, value, clicks: 0 });
  }
}
