/**
 * V8 CPU profiles (`node --cpu-prof`): reading one, cutting out a time window, and summing its
 * samples' self time by category ({@link frameRule}) and by function.
 *
 * A `.cpuprofile` is JSON: the call tree as `nodes` (each with a `callFrame` and the ids of its
 * `children`), and the samples: `samples[i]` is the id of the node on top of the stack at the
 * i-th sample, taken `timeDeltas[i]` µs after the previous one (the first after `startTime`).
 * Timestamps are V8's monotonic clock, which on Linux is `CLOCK_MONOTONIC`, the clock
 * `process.hrtime` reads too, in any process: a window taken with `process.hrtime` in the
 * benchmark selects the server's samples of that time.
 */
import { readFile } from 'node:fs/promises';

import { type Category, CATEGORIES, type FrameRule, frameRule, scriptOrigin } from './categories';

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** µs, monotonic clock. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface CpuProfileNode {
  id: number;
  callFrame: {
    functionName: string;
    scriptId: string;
    url: string;
    /** 0-based. */
    lineNumber: number;
    columnNumber: number;
  };
  hitCount?: number;
  children?: number[];
  positionTicks?: unknown;
}

/** A span of the monotonic clock, in µs (`process.hrtime.bigint() / 1000n`). */
export interface TimeWindow {
  startUs: number;
  endUs: number;
}

/** Now on the clock of {@link TimeWindow} and of CPU profiles. */
export function monotonicMicroseconds(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Self time of one function (one call frame) charged to one category. */
export interface FunctionTime {
  functionName: string;
  /** e.g. `typeorm/query-builder/QueryBuilder.js:437`, `node:net:1234`, `(native)`. */
  location: string;
  category: Category;
  us: number;
}

/** What the samples of one window add up to. */
export interface ProfileSummary {
  /** Samples whose time falls in the window. */
  samples: number;
  /** Their time, in µs: the window as far as the profile covers it. */
  sampledUs: number;
  /** Self time per category, µs. */
  byCategory: Record<Category, number>;
  /** Highest self time first. */
  functions: FunctionTime[];
}

export async function readCpuProfile(file: string): Promise<CpuProfile> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Partial<CpuProfile>;
  if (
    !Array.isArray(profile.nodes) ||
    !Array.isArray(profile.samples) ||
    !Array.isArray(profile.timeDeltas) ||
    typeof profile.startTime !== 'number' ||
    typeof profile.endTime !== 'number'
  ) {
    throw new Error(`${file} is not a V8 CPU profile`);
  }
  return profile as CpuProfile;
}

/** When each sample was taken (µs), from `startTime` and the deltas. */
export function sampleTimes(profile: CpuProfile): number[] {
  const times: number[] = new Array<number>(profile.samples.length);
  let time = profile.startTime;
  for (let index = 0; index < profile.samples.length; index += 1) {
    time += profile.timeDeltas[index] ?? 0;
    times[index] = time;
  }
  return times;
}

/**
 * Sums the self time of the samples in `window`. A sample stands for the time since the one
 * before it (its `timeDeltas` entry), cut at the window's start. The signal that takes a
 * sample cannot interrupt a thread blocked in a system call such as the fsync of a SQLite
 * commit, so the sample comes late, when the call returns, with the call still on top of the
 * stack: charging it the time since the previous sample charges the wait to the call (the
 * convention of DevTools' timeline, the time until the next sample, would charge it to
 * whatever ran before). Throws when the profile does not cover the window, e.g. because its
 * clock is not the benchmark's.
 */
export function summarize(profile: CpuProfile, window: TimeWindow): ProfileSummary {
  assertCovers(profile, window);
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parents.set(child, node.id);
    }
  }
  const rules = new Map<number, FrameRule>();
  const ruleOf = (id: number): FrameRule => {
    let rule = rules.get(id);
    if (rule === undefined) {
      rule = frameRule(nodes.get(id)!.callFrame);
      rules.set(id, rule);
    }
    return rule;
  };
  // The nearest owning caller's category; with none, the first that is not "other" among the
  // frame's own fallback and those of the Node frames above it (the HTTP parser's callbacks
  // above an `emit`, say).
  const callerCategory = (id: number, own: FrameRule): Category => {
    let fallback = own.category;
    for (let up = parents.get(id); up !== undefined; up = parents.get(up)) {
      const rule = ruleOf(up);
      if (rule.owner) {
        return rule.category;
      }
      if (fallback === 'other' && !rule.ownsSelf) {
        fallback = rule.category;
      }
    }
    return fallback;
  };
  // The category a node's self time goes to, memoised per node.
  const charged = new Map<number, Category>();
  const categoryOf = (id: number): Category => {
    const known = charged.get(id);
    if (known !== undefined) {
      return known;
    }
    const own = ruleOf(id);
    const category = own.ownsSelf ? own.category : callerCategory(id, own);
    charged.set(id, category);
    return category;
  };

  const byCategory = Object.fromEntries(CATEGORIES.map((each) => [each, 0])) as Record<
    Category,
    number
  >;
  const byNode = new Map<number, number>();
  const times = sampleTimes(profile);
  let samples = 0;
  let sampledUs = 0;
  for (let index = 0; index < times.length; index += 1) {
    const at = times[index]!;
    if (at < window.startUs || at >= window.endUs) {
      continue;
    }
    const us = at - Math.max(times[index - 1] ?? profile.startTime, window.startUs);
    const id = profile.samples[index]!;
    samples += 1;
    sampledUs += us;
    byCategory[categoryOf(id)] += us;
    byNode.set(id, (byNode.get(id) ?? 0) + us);
  }

  // The same function appears at many places of the call tree: one row per frame and category.
  const functions = new Map<string, FunctionTime>();
  for (const [id, us] of byNode) {
    const frame = nodes.get(id)!.callFrame;
    const category = categoryOf(id);
    const location = describeLocation(frame.url, frame.lineNumber);
    const key = `${frame.functionName}\u0000${location}\u0000${category}`;
    const row = functions.get(key);
    if (row === undefined) {
      functions.set(key, {
        functionName: frame.functionName || '(anonymous)',
        location,
        category,
        us,
      });
    } else {
      row.us += us;
    }
  }
  return {
    samples,
    sampledUs,
    byCategory,
    functions: [...functions.values()].sort((a, b) => b.us - a.us),
  };
}

/** The profile with only the samples of `window`, for a reader's DevTools or speedscope. */
export function slice(profile: CpuProfile, window: TimeWindow): CpuProfile {
  assertCovers(profile, window);
  const times = sampleTimes(profile);
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  const hits = new Map<number, number>();
  let previous = window.startUs;
  for (let index = 0; index < times.length; index += 1) {
    const at = times[index]!;
    if (at < window.startUs || at >= window.endUs) {
      continue;
    }
    const id = profile.samples[index]!;
    samples.push(id);
    timeDeltas.push(at - previous);
    hits.set(id, (hits.get(id) ?? 0) + 1);
    previous = at;
  }
  return {
    // positionTicks (per-line hits) would describe the whole run: dropped.
    nodes: profile.nodes.map(({ positionTicks: _ticks, ...node }) => ({
      ...node,
      hitCount: hits.get(node.id) ?? 0,
    })),
    startTime: window.startUs,
    endTime: window.endUs,
    samples,
    timeDeltas,
  };
}

function assertCovers(profile: CpuProfile, window: TimeWindow): void {
  if (window.startUs < profile.startTime || window.endUs > profile.endTime) {
    throw new Error(
      `the CPU profile (${profile.startTime}–${profile.endTime} µs) does not cover the load ` +
        `(${window.startUs}–${window.endUs} µs): its clock is not process.hrtime's`,
    );
  }
}

function describeLocation(url: string, lineNumber: number): string {
  const origin = scriptOrigin(url);
  const line = lineNumber >= 0 ? `:${lineNumber + 1}` : '';
  switch (origin.kind) {
    case 'native':
      return '(native)';
    case 'package':
    case 'repository':
    case 'node':
    case 'other':
      return `${origin.path}${line}`;
  }
}
