/**
 * Task groups computed at query time: the one place they are defined.
 *
 * A group score a results file holds (lm-evaluation-harness v0.4 writes `mmlu` itself, weighted
 * by subtask size since 0.4.2) is that file's value and is returned as it is (`source: FILE`).
 * Only where a checkpoint has no stored score of the group's name is it computed here
 * (`source: COMPUTED`): the unweighted mean of exactly its leaf tasks' values at that
 * checkpoint — never intermediate category rows such as `mmlu_stem` — with stderr
 * sqrt(Σ stderr²) / n (members treated as independent) and `nTasks` the members present.
 * A plain task is the one-member case, so both go through one SQL path.
 */
export interface TaskGroup {
  readonly name: string;
  readonly description: string;
  /** SQL LIKE patterns (escape character '\') selecting the leaf tasks; exact names need no wildcard. */
  readonly patterns: readonly string[];
}

/** MMLU's 57 subjects (Hendrycks et al. 2021), by the harness's task names. */
const MMLU_SUBJECTS = [
  'abstract_algebra', 'anatomy', 'astronomy', 'business_ethics', 'clinical_knowledge', 'college_biology', 'college_chemistry',
  'college_computer_science', 'college_mathematics', 'college_medicine', 'college_physics', 'computer_security', 'conceptual_physics',
  'econometrics', 'electrical_engineering', 'elementary_mathematics', 'formal_logic', 'global_facts', 'high_school_biology',
  'high_school_chemistry', 'high_school_computer_science', 'high_school_european_history', 'high_school_geography',
  'high_school_government_and_politics', 'high_school_macroeconomics', 'high_school_mathematics', 'high_school_microeconomics',
  'high_school_physics', 'high_school_psychology', 'high_school_statistics', 'high_school_us_history', 'high_school_world_history',
  'human_aging', 'human_sexuality', 'international_law', 'jurisprudence', 'logical_fallacies', 'machine_learning', 'management',
  'marketing', 'medical_genetics', 'miscellaneous', 'moral_disputes', 'moral_scenarios', 'nutrition', 'philosophy', 'prehistory',
  'professional_accounting', 'professional_law', 'professional_medicine', 'professional_psychology', 'public_relations',
  'security_studies', 'sociology', 'us_foreign_policy', 'virology', 'world_religions',
] as const;

export const TASK_GROUPS: readonly TaskGroup[] = [
  {
    name: 'mmlu',
    description:
      'MMLU (Hendrycks et al. 2021): a file\'s own mmlu score where it has one, else the unweighted mean over the 57 subjects, ' +
      'hendrycksTest-<subject> (harness v0.3) or mmlu_<subject> (v0.4); never the v0.4 category rows (mmlu_stem, …)',
    patterns: MMLU_SUBJECTS.flatMap((s) => [escapeLike(`hendrycksTest-${s}`), escapeLike(`mmlu_${s}`)]),
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
    description: 'BLiMP: a file\'s own blimp score where it has one, else the mean over its blimp_* paradigms',
    patterns: ['blimp\\_%'],
  },
];

const BY_NAME = new Map(TASK_GROUPS.map((g) => [g.name, g]));

export function taskGroup(name: string): TaskGroup | null {
  return BY_NAME.get(name) ?? null;
}

/** LIKE patterns of the leaf tasks a defined group computes from, or none for a plain task. */
export function memberPatterns(name: string): readonly string[] {
  return taskGroup(name)?.patterns ?? [];
}

/** LIKE patterns of every stored task a name can read: itself (a task, or a file's group score) and a defined group's leaves. */
export function taskPatterns(name: string): readonly string[] {
  return [escapeLike(name), ...memberPatterns(name)];
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The tasks among `tasks` that a group's LIKE patterns select (the same rule as the SQL join). */
export function groupMembers(group: TaskGroup, tasks: readonly string[]): string[] {
  let matcher = GROUP_MATCHERS.get(group);
  if (!matcher) GROUP_MATCHERS.set(group, (matcher = likeMatcher(group.patterns)));
  return tasks.filter((t) => matcher.test(t));
}

const GROUP_MATCHERS = new WeakMap<TaskGroup, RegExp>();

/**
 * LIKE patterns (escape character '\\') as ONE whole-string RegExp matching any of them: % is any
 * run, _ any one character. One alternation tests a name once, where a RegExp per pattern tested
 * it 115 times for MMLU (a profile showed this filter holding the event loop for tens of ms).
 */
export function likeMatcher(patterns: readonly string[]): RegExp {
  return patterns.length === 0 ? /(?!)/ : new RegExp(`^(?:${patterns.map(likeToSource).join('|')})$`, 's');
}

function likeToSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) out += literal(pattern[++i]);
    else out += c === '%' ? '.*' : c === '_' ? '.' : literal(c);
  }
  return out;
}

const literal = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
