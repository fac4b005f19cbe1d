/**
 * Task groups, computed at query time: the one place they are defined. A group's value at a
 * checkpoint is the unweighted mean of its members' values there, its stderr
 * sqrt(Σ stderr²) / n (members treated as independent), and `nTasks` says how many members
 * were present. A plain task is the one-member case, so both go through one SQL path.
 *
 * A defined group name takes precedence over a stored task of the same name.
 */
export interface TaskGroup {
  readonly name: string;
  readonly description: string;
  /** SQL LIKE patterns (escape character '\') matched against task names. */
  readonly patterns: readonly string[];
}

export const TASK_GROUPS: readonly TaskGroup[] = [
  {
    name: 'mmlu',
    description: 'MMLU (Hendrycks et al. 2021): mean over its 57 subjects, hendrycksTest-* (harness v0.3) or mmlu_* (v0.4)',
    patterns: ['hendrycksTest-%', 'mmlu\\_%'],
  },
  {
    name: 'crows_pairs_english_subsets',
    description: 'CrowS-Pairs English: mean over the per-bias-type subsets crows_pairs_english_*',
    patterns: ['crows\\_pairs\\_english\\_%'],
  },
  {
    name: 'crows_pairs_french_subsets',
    description: 'CrowS-Pairs French: mean over the per-bias-type subsets crows_pairs_french_*',
    patterns: ['crows\\_pairs\\_french\\_%'],
  },
  {
    name: 'blimp',
    description: 'BLiMP: mean over its blimp_* paradigms',
    patterns: ['blimp\\_%'],
  },
];

const BY_NAME = new Map(TASK_GROUPS.map((g) => [g.name, g]));

export function taskGroup(name: string): TaskGroup | null {
  return BY_NAME.get(name) ?? null;
}

/** LIKE patterns that select `name`: the group's members, or exactly the task itself. */
export function taskPatterns(name: string): readonly string[] {
  return taskGroup(name)?.patterns ?? [escapeLike(name)];
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The tasks among `tasks` that a group's LIKE patterns select (the same rule as the SQL join). */
export function groupMembers(group: TaskGroup, tasks: readonly string[]): string[] {
  const patterns = group.patterns.map(likeToRegExp);
  return tasks.filter((t) => patterns.some((p) => p.test(t)));
}

/** A LIKE pattern with escape character '\\' as a whole-string RegExp: % is any run, _ any one character. */
function likeToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) out += literal(pattern[++i]);
    else out += c === '%' ? '.*' : c === '_' ? '.' : literal(c);
  }
  return new RegExp(`^${out}$`, 's');
}

const literal = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
