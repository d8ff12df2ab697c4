//! Applying the rules to one set of answers.

use super::rules::{Answers, Note, Platform, QuestionId, Rules};
use crate::catalog::Localized;
use crate::error::Result;

/// The reason one answer moved the recommendation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub question: QuestionId,
    /// The answer's id, such as `edge`.
    pub answer: &'static str,
    pub text: Localized,
}

/// A conflict or tip that applies to the answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteText {
    pub id: String,
    pub text: Localized,
}

/// The wizard's result for one set of answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    pub answers: Answers,
    pub primary: Platform,
    pub runner_up: Platform,
    /// The capability matrix row to highlight for the primary platform.
    pub highlight: Platform,
    /// The rule that decided, or `fallback`.
    pub rule: String,
    pub summary: Localized,
    /// The answers the deciding rule used, in wizard order. Answers it left out did not
    /// change the result.
    pub reasons: Vec<Reason>,
    pub conflicts: Vec<NoteText>,
    pub tips: Vec<NoteText>,
}

/// Recommends a platform for `answers` with the rules compiled into this build.
pub fn recommend(answers: Answers) -> Result<Recommendation> {
    recommend_with(Rules::embedded()?, answers)
}

/// Recommends a platform for `answers` with the given rules.
pub fn recommend_with(rules: &Rules, answers: Answers) -> Result<Recommendation> {
    let (rule, primary, runner_up, summary, questions) = match rules.rule_for(&answers) {
        Some(rule) => (
            rule.id.clone(),
            rule.primary,
            rule.runner_up,
            rule.summary.clone(),
            rule.when.questions(),
        ),
        None => {
            // `Rules::load` rejects a file where this can happen, so reaching it means the
            // checks and the matching disagree.
            tracing::warn!(?answers, "no orchestrator rule matched; using the fallback");
            (
                "fallback".to_string(),
                rules.fallback.primary,
                rules.fallback.runner_up,
                rules.fallback.summary.clone(),
                Vec::new(),
            )
        }
    };

    let reasons = questions
        .into_iter()
        .filter_map(|question| {
            let answer = answers.answer_id(question);
            let option = rules.option(question, answer)?;
            Some(Reason {
                question,
                answer,
                text: option.reason.clone(),
            })
        })
        .collect();
    let highlight = rules.platform(primary).map_or(primary, |platform| platform.row);

    Ok(Recommendation {
        answers,
        primary,
        runner_up,
        highlight,
        rule,
        summary,
        reasons,
        conflicts: matching(&rules.conflicts, &answers),
        tips: matching(&rules.tips, &answers),
    })
}

fn matching(notes: &[Note], answers: &Answers) -> Vec<NoteText> {
    notes
        .iter()
        .filter(|note| note.when.matches(answers))
        .map(|note| NoteText {
            id: note.id.clone(),
            text: note.text.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orchestrators::rules::{Ops, Scale, Team, Workloads};

    /// Every combination of answers and its result, one line each:
    /// `team workloads scale ops -> primary / runner-up [rule] reasons: ... conflicts: ...`.
    /// A change to the rules file shows up here as a changed line.
    const TABLE: &str = include_str!("testdata/recommendations.txt");

    fn line(recommendation: &Recommendation) -> String {
        let answers = recommendation.answers;
        let reasons: Vec<&str> = recommendation
            .reasons
            .iter()
            .map(|reason| reason.question.id())
            .collect();
        let conflicts: Vec<&str> = recommendation.conflicts.iter().map(|note| note.id.as_str()).collect();
        let tips: Vec<&str> = recommendation.tips.iter().map(|note| note.id.as_str()).collect();
        format!(
            "{} {} {} {} -> {} / {} [{}] reasons: {} conflicts: {} tips: {}",
            answers.team.id(),
            answers.workloads.id(),
            answers.scale.id(),
            answers.ops.id(),
            recommendation.primary.id(),
            recommendation.runner_up.id(),
            recommendation.rule,
            reasons.join(","),
            if conflicts.is_empty() {
                "-".to_string()
            } else {
                conflicts.join(",")
            },
            if tips.is_empty() {
                "-".to_string()
            } else {
                tips.join(",")
            },
        )
    }

    #[test]
    fn every_combination_matches_table() {
        let actual: Vec<String> = Answers::all()
            .into_iter()
            .map(|answers| line(&recommend(answers).unwrap()))
            .collect();
        if std::env::var_os("UPDATE_RECOMMENDATIONS").is_some() {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/src/orchestrators/testdata/recommendations.txt"
            );
            std::fs::write(path, actual.join("\n") + "\n").unwrap();
            return;
        }
        let expected: Vec<&str> = TABLE.lines().collect();
        assert_eq!(actual.len(), 96, "4 teams x 2 workloads x 4 scales x 3 ops");
        assert_eq!(expected.len(), actual.len(), "the table has one line per combination");
        for (actual, expected) in actual.iter().zip(&expected) {
            assert_eq!(
                actual, expected,
                "rerun with UPDATE_RECOMMENDATIONS=1 if the rules changed on purpose"
            );
        }
    }

    #[test]
    fn every_combination_is_defined() {
        let rules = Rules::embedded().unwrap();
        for answers in Answers::all() {
            let result = recommend(answers).unwrap();
            assert_ne!(result.rule, "fallback", "{answers:?} fell through every rule");
            assert_ne!(result.primary, result.runner_up, "{answers:?}");
            assert!(!result.reasons.is_empty(), "{answers:?} has no reason");
            assert!(
                rules.matrix.iter().any(|row| row.id == result.highlight),
                "{answers:?} highlights a missing row"
            );
            for reason in &result.reasons {
                assert_eq!(reason.answer, answers.answer_id(reason.question), "{answers:?}");
            }
        }
    }

    #[test]
    fn managed_service_highlights_kubernetes_row() {
        let result = recommend(Answers {
            team: Team::Small,
            workloads: Workloads::Containers,
            scale: Scale::Many,
            ops: Ops::None,
        })
        .unwrap();
        assert_eq!(result.primary, Platform::ManagedKubernetes);
        assert_eq!(result.highlight, Platform::Kubernetes);
    }

    #[test]
    fn conflicting_answers_are_reported() {
        let result = recommend(Answers {
            team: Team::Solo,
            workloads: Workloads::Containers,
            scale: Scale::Many,
            ops: Ops::None,
        })
        .unwrap();
        let ids: Vec<&str> = result.conflicts.iter().map(|note| note.id.as_str()).collect();
        assert_eq!(ids, ["solo_many_nodes", "no_ops_many_nodes"]);
    }

    #[test]
    fn reasons_leave_out_unused_answers() {
        let result = recommend(Answers {
            team: Team::Solo,
            workloads: Workloads::Containers,
            scale: Scale::Single,
            ops: Ops::Limited,
        })
        .unwrap();
        assert_eq!(result.primary, Platform::Compose);
        assert_eq!(result.runner_up, Platform::Swarm);
        let questions: Vec<QuestionId> = result.reasons.iter().map(|reason| reason.question).collect();
        assert_eq!(
            questions,
            [QuestionId::Team, QuestionId::Workloads, QuestionId::Scale],
            "the ops answer did not decide"
        );
        assert_eq!(result.tips.len(), 1, "limited ops time suggests a management UI");
    }
}
