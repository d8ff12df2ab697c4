//! The orchestrator rules file, compiled into the binary and checked when it is loaded.
//!
//! Every id in the file deserializes into an enum, so a misspelt answer or platform fails at
//! load with its line and column. [`Rules::load`] then checks what serde cannot: that the
//! questions offer exactly the answers the enums define, that every platform has a matrix row,
//! and that every combination of answers matches a rule.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::catalog::Localized;
use crate::error::{Error, Result};

/// The rules file as shipped.
const RULES_YAML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/orchestrators/rules.yaml"
));

/// Declares an id enum of the rules file: serde names, [`ALL`](Team::ALL) in declaration
/// order, `id()` and `FromStr`, all from one list so they cannot disagree.
macro_rules! id_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$variant_meta:meta])* $variant:ident = $id:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum $name {
            $($(#[$variant_meta])* #[serde(rename = $id)] $variant),+
        }

        impl $name {
            /// Every value, in the order the wizard lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every id, in the same order.
            pub const IDS: &'static [&'static str] = &[$($id),+];

            /// Returns the id the rules file, the CLI and the IPC types use.
            pub fn id(self) -> &'static str {
                match self {
                    $($name::$variant => $id),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = Error;

            fn from_str(text: &str) -> Result<Self> {
                match text {
                    $($id => Ok($name::$variant),)+
                    _ => Err(Error::invalid(
                        stringify!($name),
                        text,
                        format!("use one of: {}", $name::IDS.join(", ")),
                    )),
                }
            }
        }
    };
}

id_enum! {
    /// The people who run the homelab.
    Team { Solo = "solo", Small = "small", Medium = "medium", Large = "large" }
}

id_enum! {
    /// Whether everything runs in containers.
    Workloads { Containers = "containers", Mixed = "mixed" }
}

id_enum! {
    /// How many machines, and what kind.
    Scale { Single = "single", Few = "few", Many = "many", Edge = "edge" }
}

id_enum! {
    /// Time available for operations.
    Ops { None = "none", Limited = "limited", Team = "team" }
}

id_enum! {
    /// A platform the wizard can recommend.
    Platform {
        Compose = "compose",
        Swarm = "swarm",
        Nomad = "nomad",
        K3s = "k3s",
        /// Kubernetes that the user installs and runs.
        Kubernetes = "kubernetes",
        /// GKE, EKS, AKS and the like: the provider runs the control plane.
        ManagedKubernetes = "managed_kubernetes"
    }
}

id_enum! {
    /// The four questions, in the order the wizard asks them.
    QuestionId { Team = "team", Workloads = "workloads", Scale = "scale", Ops = "ops" }
}

/// One complete set of wizard answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Answers {
    pub team: Team,
    pub workloads: Workloads,
    pub scale: Scale,
    pub ops: Ops,
}

impl Answers {
    /// Returns every combination of answers, in the order of the enums.
    pub fn all() -> Vec<Answers> {
        let mut all = Vec::new();
        for &team in Team::ALL {
            for &workloads in Workloads::ALL {
                for &scale in Scale::ALL {
                    for &ops in Ops::ALL {
                        all.push(Answers {
                            team,
                            workloads,
                            scale,
                            ops,
                        });
                    }
                }
            }
        }
        all
    }

    /// Returns the id of the answer given to `question`, as the rules file spells it.
    pub fn answer_id(&self, question: QuestionId) -> &'static str {
        match question {
            QuestionId::Team => self.team.id(),
            QuestionId::Workloads => self.workloads.id(),
            QuestionId::Scale => self.scale.id(),
            QuestionId::Ops => self.ops.id(),
        }
    }
}

/// One answer a question offers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionOption {
    pub id: String,
    pub label: Localized,
    /// The meaning of the answer, shown under the label.
    pub help: Localized,
    /// The reason this answer moves the recommendation, shown when a rule used it.
    pub reason: Localized,
}

/// One wizard question.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: QuestionId,
    pub title: Localized,
    pub help: Localized,
    pub options: Vec<QuestionOption>,
}

/// A platform with its display name and the matrix row the wizard highlights for it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformInfo {
    pub id: Platform,
    pub name: Localized,
    pub row: Platform,
}

/// One row of the capability matrix.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixRow {
    pub id: Platform,
    pub name: Localized,
    pub best_for: Localized,
    pub strength: Localized,
    pub learning_curve: Localized,
    pub ops_overhead: Localized,
}

/// The answers a rule, conflict or tip matches. A question left out matches any answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub team: Option<Vec<Team>>,
    pub workloads: Option<Vec<Workloads>>,
    pub scale: Option<Vec<Scale>>,
    pub ops: Option<Vec<Ops>>,
}

impl Condition {
    /// Tells whether `answers` satisfy every question this condition names.
    pub fn matches(&self, answers: &Answers) -> bool {
        fn allows<T: PartialEq>(allowed: &Option<Vec<T>>, value: &T) -> bool {
            allowed.as_ref().is_none_or(|allowed| allowed.contains(value))
        }
        allows(&self.team, &answers.team)
            && allows(&self.workloads, &answers.workloads)
            && allows(&self.scale, &answers.scale)
            && allows(&self.ops, &answers.ops)
    }

    /// Returns the questions this condition names, in wizard order.
    pub fn questions(&self) -> Vec<QuestionId> {
        let named = [
            (QuestionId::Team, self.team.is_some()),
            (QuestionId::Workloads, self.workloads.is_some()),
            (QuestionId::Scale, self.scale.is_some()),
            (QuestionId::Ops, self.ops.is_some()),
        ];
        named
            .into_iter()
            .filter(|(_, named)| *named)
            .map(|(id, _)| id)
            .collect()
    }
}

/// A decision rule: the first one whose condition matches picks the recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub when: Condition,
    pub primary: Platform,
    pub runner_up: Platform,
    pub summary: Localized,
}

/// The recommendation when no rule matches.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fallback {
    pub primary: Platform,
    pub runner_up: Platform,
    pub summary: Localized,
}

/// A conflict between answers, or a tip: a text shown whenever its condition matches.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub id: String,
    pub when: Condition,
    pub text: Localized,
}

/// The whole rules file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub questions: Vec<Question>,
    pub platforms: Vec<PlatformInfo>,
    pub matrix: Vec<MatrixRow>,
    pub rules: Vec<Rule>,
    pub fallback: Fallback,
    pub conflicts: Vec<Note>,
    pub tips: Vec<Note>,
    pub advice: Vec<Localized>,
}

impl Rules {
    /// Returns the rules compiled into this build, parsed and checked once per process.
    pub fn embedded() -> Result<&'static Rules> {
        static RULES: OnceLock<std::result::Result<Rules, String>> = OnceLock::new();
        RULES
            .get_or_init(|| Rules::load(RULES_YAML).map_err(|err| err.to_string()))
            .as_ref()
            .map_err(|detail| Error::Internal(format!("the built-in orchestrator rules are invalid: {detail}")))
    }

    /// Parses and checks a rules file.
    pub fn load(yaml: &str) -> Result<Rules> {
        let rules: Rules = serde_norway::from_str(yaml)
            .map_err(|err| Error::Internal(format!("cannot parse the orchestrator rules: {err}")))?;
        rules.check()?;
        Ok(rules)
    }

    /// Returns a platform's display name and matrix row.
    pub fn platform(&self, id: Platform) -> Option<&PlatformInfo> {
        self.platforms.iter().find(|platform| platform.id == id)
    }

    /// Returns a question by id.
    pub fn question(&self, id: QuestionId) -> Option<&Question> {
        self.questions.iter().find(|question| question.id == id)
    }

    /// Returns the option of `question` whose id is `answer`.
    pub fn option(&self, question: QuestionId, answer: &str) -> Option<&QuestionOption> {
        self.question(question)?
            .options
            .iter()
            .find(|option| option.id == answer)
    }

    /// Returns the first rule whose condition matches `answers`.
    pub fn rule_for(&self, answers: &Answers) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.when.matches(answers))
    }

    fn check(&self) -> Result<()> {
        self.check_questions()?;
        self.check_platforms()?;
        self.check_rules()
    }

    /// The questions must be the four of [`QuestionId`], in order, each offering exactly the
    /// answers of its enum in enum order, because the CLI and the IPC types use those enums.
    fn check_questions(&self) -> Result<()> {
        let order: Vec<QuestionId> = self.questions.iter().map(|question| question.id).collect();
        if order != QuestionId::ALL {
            return Err(invalid(format!(
                "the questions must be team, workloads, scale, ops in that order, not {order:?}"
            )));
        }
        let expected = [Team::IDS, Workloads::IDS, Scale::IDS, Ops::IDS];
        for (question, expected) in self.questions.iter().zip(expected) {
            let offered: Vec<&str> = question.options.iter().map(|option| option.id.as_str()).collect();
            if offered != *expected {
                return Err(invalid(format!(
                    "question '{}' must offer {expected:?}, in that order, but offers {offered:?}",
                    question.id.id()
                )));
            }
        }
        Ok(())
    }

    /// Checks that every platform appears once and highlights an existing matrix row.
    fn check_platforms(&self) -> Result<()> {
        for (index, platform) in self.platforms.iter().enumerate() {
            if self.platforms[..index].iter().any(|earlier| earlier.id == platform.id) {
                return Err(invalid(format!("platform '{}' is listed twice", platform.id.id())));
            }
            if !self.matrix.iter().any(|row| row.id == platform.row) {
                return Err(invalid(format!(
                    "platform '{}' highlights matrix row '{}', which does not exist",
                    platform.id.id(),
                    platform.row.id()
                )));
            }
        }
        Ok(())
    }

    /// Rules name known platforms, never the same one twice, and cover every combination.
    fn check_rules(&self) -> Result<()> {
        let pairs = self
            .rules
            .iter()
            .map(|rule| (rule.id.as_str(), rule.primary, rule.runner_up))
            .chain([("fallback", self.fallback.primary, self.fallback.runner_up)]);
        for (id, primary, runner_up) in pairs {
            for platform in [primary, runner_up] {
                if self.platform(platform).is_none() {
                    return Err(invalid(format!(
                        "rule '{id}' names platform '{}', which is not listed",
                        platform.id()
                    )));
                }
            }
            if primary == runner_up {
                return Err(invalid(format!(
                    "rule '{id}' names '{}' as both primary and runner-up",
                    primary.id()
                )));
            }
        }
        if let Some(answers) = Answers::all()
            .into_iter()
            .find(|answers| self.rule_for(answers).is_none())
        {
            return Err(invalid(format!("no rule matches the answers {answers:?}")));
        }
        Ok(())
    }
}

fn invalid(detail: String) -> Error {
    Error::Internal(format!("invalid orchestrator rules: {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_rules_load() {
        let rules = Rules::embedded().expect("the shipped rules file is valid");
        assert_eq!(rules.questions.len(), 4);
        assert_eq!(rules.matrix.len(), 5, "one matrix row per orchestrator");
        assert_eq!(rules.platforms.len(), 6);
        assert_eq!(rules.advice.len(), 4);
    }

    #[test]
    fn every_text_has_both_languages() {
        let rules = Rules::embedded().unwrap();
        let mut texts: Vec<(&str, &Localized)> = Vec::new();
        for question in &rules.questions {
            texts.push(("question title", &question.title));
            texts.push(("question help", &question.help));
            for option in &question.options {
                texts.push(("option label", &option.label));
                texts.push(("option help", &option.help));
                texts.push(("option reason", &option.reason));
            }
        }
        for rule in &rules.rules {
            texts.push(("rule summary", &rule.summary));
        }
        for note in rules.conflicts.iter().chain(&rules.tips) {
            texts.push(("note", &note.text));
        }
        for advice in &rules.advice {
            texts.push(("advice", advice));
        }
        for (kind, text) in texts {
            assert!(!text.en.trim().is_empty(), "{kind} has no English text: {text:?}");
            assert!(!text.zh_cn.trim().is_empty(), "{kind} has no Chinese text: {text:?}");
            assert_ne!(text.en, text.zh_cn, "{kind} is not translated: {text:?}");
        }
    }

    #[test]
    fn every_rule_is_reachable() {
        let rules = Rules::embedded().unwrap();
        let all = Answers::all();
        for rule in &rules.rules {
            assert!(
                all.iter()
                    .any(|answers| rules.rule_for(answers).map(|found| &found.id) == Some(&rule.id)),
                "rule '{}' never decides because earlier rules match all of its answers",
                rule.id
            );
        }
    }

    #[test]
    fn every_combination_matches_one_rule() {
        let rules = Rules::embedded().unwrap();
        for answers in Answers::all() {
            let matching: Vec<&str> = rules
                .rules
                .iter()
                .filter(|rule| rule.when.matches(&answers))
                .map(|rule| rule.id.as_str())
                .collect();
            assert_eq!(matching.len(), 1, "{answers:?} matches {matching:?}");
        }
    }

    #[test]
    fn every_note_can_match() {
        let rules = Rules::embedded().unwrap();
        for note in rules.conflicts.iter().chain(&rules.tips) {
            assert!(
                Answers::all().iter().any(|answers| note.when.matches(answers)),
                "note '{}' matches no answers",
                note.id
            );
        }
    }

    #[test]
    fn uncovered_answers_are_rejected() {
        let yaml = RULES_YAML.replacen(
            "team: [solo, small], workloads: [containers], scale: [single]",
            "team: [solo], workloads: [containers], scale: [single]",
            1,
        );
        assert_ne!(yaml, RULES_YAML, "the test edit must apply");
        let err = Rules::load(&yaml).unwrap_err().to_string();
        assert!(err.contains("no rule matches"), "got: {err}");
    }

    #[test]
    fn unknown_answer_is_rejected() {
        let yaml = RULES_YAML.replacen(
            "when: { workloads: [containers], scale: [edge] }",
            "when: { workloads: [containers], scale: [tiny] }",
            1,
        );
        assert_ne!(yaml, RULES_YAML, "the test edit must apply");
        let err = Rules::load(&yaml).unwrap_err().to_string();
        assert!(err.contains("tiny"), "the error names the unknown answer: {err}");
    }

    #[test]
    fn missing_option_is_rejected() {
        let yaml = RULES_YAML.replacen("      - id: medium\n", "      - id: middle\n", 1);
        assert_ne!(yaml, RULES_YAML, "the test edit must apply");
        let err = Rules::load(&yaml).unwrap_err().to_string();
        assert!(err.contains("question 'team' must offer"), "got: {err}");
    }

    #[test]
    fn same_primary_and_runner_up_is_rejected() {
        let yaml = RULES_YAML.replacen(
            "    primary: k3s\n    runner_up: swarm\n",
            "    primary: k3s\n    runner_up: k3s\n",
            1,
        );
        assert_ne!(yaml, RULES_YAML, "the test edit must apply");
        let err = Rules::load(&yaml).unwrap_err().to_string();
        assert!(err.contains("both primary and runner-up"), "got: {err}");
    }
}
