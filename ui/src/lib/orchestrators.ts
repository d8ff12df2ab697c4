import type {
  Answers,
  PrefillView,
  QuestionId,
  RolloutPhaseView,
  RolloutView,
  SavedChoiceView,
} from './ipc/types';

/** Answers while the user fills in the wizard: a question without an answer is missing. */
export type PartialAnswers = Partial<Answers>;

/** The questions in the order the wizard asks them. */
export const QUESTION_IDS: QuestionId[] = ['team', 'workloads', 'scale', 'ops'];

/** The answers the wizard starts with, and which of them were guessed from the fleet. */
export interface StartingAnswers {
  answers: PartialAnswers;
  prefilled: QuestionId[];
}

/**
 * Picks the starting answers: a saved choice wins, because the user gave those answers,
 * and otherwise every answer the fleet suggests is filled in and marked as a guess.
 */
export function startingAnswers(
  saved: SavedChoiceView | null,
  prefill: PrefillView | null,
): StartingAnswers {
  if (saved) {
    return { answers: { ...saved.answers }, prefilled: [] };
  }
  const answers: PartialAnswers = {};
  const prefilled: QuestionId[] = [];
  if (prefill) {
    for (const id of QUESTION_IDS) {
      const value = prefill[id];
      if (value !== null) {
        (answers as Record<QuestionId, string>)[id] = value;
        prefilled.push(id);
      }
    }
  }
  return { answers, prefilled };
}

/** Returns the answers when all four are given, or `null`. */
export function completeAnswers(answers: PartialAnswers): Answers | null {
  const { team, workloads, scale, ops } = answers;
  if (team && workloads && scale && ops) {
    return { team, workloads, scale, ops };
  }
  return null;
}

/** Returns a phase's progress in whole percent. */
export function phasePercent(phase: RolloutPhaseView): number {
  return phase.total === 0 ? 0 : Math.round((phase.done / phase.total) * 100);
}

/** Returns the plan with one item's hand-made tick changed, recounting its phase. */
export function withChecked(view: RolloutView, itemId: string, checked: boolean): RolloutView {
  return {
    ...view,
    phases: view.phases.map((phase) => {
      if (!phase.items.some((item) => item.id === itemId)) {
        return phase;
      }
      const items = phase.items.map((item) =>
        item.id === itemId ? { ...item, checked, done: item.detected || checked } : item,
      );
      return { ...phase, items, done: items.filter((item) => item.done).length };
    }),
  };
}
