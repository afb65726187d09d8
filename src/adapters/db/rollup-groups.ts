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
 * One (workspace or link, bucket, bot) group: its total row and, at workspace level, a row per
 * dimension value. An owner's groups form a chain (a batch spans an hour or two, so one to four
 * of them): a Map of slots per link cost ~150 bytes per link and batch, all of it surviving
 * into the old generation until the batch was written.
 */
interface Group<R> {
  slot: number;
  total: R;
  byDimension: Map<string, R>[] | null;
  next: Group<R> | null;
}

/**
 * The rollup rows a set of clicks adds to, grouped by (workspace or link, bucket, bot) and then
 * by dimension and value. This runs ~24 times per click at ingest, so no key is built per
 * click: groups are found through a Map per owner kind, workspace-level rows by workspace and
 * per-link rows by link (link ids are unique across workspaces), holding a chain of groups, one
 * per `bucket * 2 + bot`; only groups that have dimension rows get their Maps (~20% of
 * ingest's Node time was garbage collection). What a row collects of its visitors is the
 * caller's (rollup-rows.ts).
 */
export class RollupGroups<R extends RollupKey> {
  private byWorkspace = new Map<string, Group<R>>();
  private byLink = new Map<string, Group<R>>();

  constructor(
    private readonly newRow: (key: RollupKey) => R,
    /** Adds one click, whose visitor has the packed register (VisitorSketch.register), to the row. */
    private readonly count: (row: R, register: number) => void,
    /** Called by take(), once the rows so far are handed over. */
    private readonly taken: () => void = () => {},
  ) {}

  /** The click's total row of the group, and with `dimensions` one row per dimension. */
  add(e: ClickEvent, linkId: string, bucket: number, register: number, dimensions = true): void {
    const owners = linkId === '' ? this.byWorkspace : this.byLink;
    const owner = linkId === '' ? e.workspaceId : linkId;
    const slot = bucket * 2 + (e.bot ? 1 : 0);
    const first = owners.get(owner) ?? null;
    let group = first;
    while (group !== null && group.slot !== slot) group = group.next;
    if (group === null) {
      group = { slot, total: this.row(e, linkId, '', bucket, ''), byDimension: null, next: first };
      owners.set(owner, group);
    }
    this.count(group.total, register);
    if (!dimensions) return;
    const byDimension = (group.byDimension ??= DIMENSIONS.map(() => new Map<string, R>()));
    for (let i = 0; i < DIMENSIONS.length; i++) {
      const dimension = DIMENSIONS[i]!;
      const value = e[dimension] ?? '';
      const rows = byDimension[i]!;
      let row = rows.get(value);
      if (row === undefined) rows.set(value, (row = this.row(e, linkId, dimension, bucket, value)));
      this.count(row, register);
    }
  }

  /** Every row so far (unordered), and a fresh start. */
  take(): R[] {
    const out: R[] = [];
    for (const owners of [this.byWorkspace, this.byLink]) {
      for (const first of owners.values()) {
        for (let group: Group<R> | null = first; group !== null; group = group.next) {
          out.push(group.total);
          if (group.byDimension) for (const rows of group.byDimension) for (const row of rows.values()) out.push(row);
        }
      }
    }
    this.byWorkspace = new Map();
    this.byLink = new Map();
    this.taken();
    return out;
  }

  private row(e: ClickEvent, linkId: string, dimension: string, bucket: number, value: string): R {
    return this.newRow({ workspaceId: e.workspaceId, linkId, dimension, bucket, bot: e.bot, value, clicks: 0 });
  }
}

/** The rollup tables' key order (text byte-wise, as COLLATE "C"): writing rows in one fixed order keeps concurrent writers from deadlocking. */
export function byRollupKey(a: RollupKey, b: RollupKey): number {
  return cmp(a.workspaceId, b.workspaceId) || cmp(a.linkId, b.linkId) || cmp(a.dimension, b.dimension)
    || a.bucket - b.bucket || Number(a.bot) - Number(b.bot) || cmp(a.value, b.value);
}

/** Byte-wise for the ASCII ids here, a fixed order for everything else. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
