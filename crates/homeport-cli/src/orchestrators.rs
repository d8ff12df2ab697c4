//! `homeport orchestrator recommend` and `homeport rollout [check|uncheck ITEM]`.
//!
//! Text output follows the locale (`LANG`, as error messages do); `--json` prints the API's
//! views, whose texts carry both languages.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Subcommand};
use homeport_api::messages::Locale;
use homeport_api::{Api, IpcError, LocalizedText, RecommendationView, RolloutView, WizardView};
use homeport_core::orchestrators::rules::QuestionId;
use homeport_core::orchestrators::{Answers, Ops, Scale, Team, Workloads};

use crate::output::Output;

#[derive(Debug, Subcommand)]
pub enum OrchestratorCommand {
    /// Recommend an orchestrator (Compose, Swarm, Nomad, K3s, Kubernetes or a managed
    /// Kubernetes service) from four answers, with the reasons, conflicts and capability matrix.
    Recommend(RecommendArgs),
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// Team size: one person, 2-5 people, 6-20 people, or more than 20.
    #[arg(long, value_parser = id_parser(Team::IDS, |id| id.parse::<Team>()))]
    pub team: Team,
    /// Whether everything runs in containers, or some workloads are plain programs or VMs.
    #[arg(long, value_parser = id_parser(Workloads::IDS, |id| id.parse::<Workloads>()))]
    pub workloads: Workloads,
    /// One machine, 2-5 machines, many machines with autoscaling, or small low-power hardware.
    #[arg(long, value_parser = id_parser(Scale::IDS, |id| id.parse::<Scale>()))]
    pub scale: Scale,
    /// Time for operations: almost none, a few hours a month, or a dedicated team.
    #[arg(long, value_parser = id_parser(Ops::IDS, |id| id.parse::<Ops>()))]
    pub ops: Ops,
}

#[derive(Debug, Args)]
pub struct RolloutArgs {
    /// Seconds each host may take to list its containers before it counts as unreachable.
    #[arg(long, default_value_t = 5.0)]
    pub timeout: f64,
    #[command(subcommand)]
    pub action: Option<RolloutAction>,
}

#[derive(Debug, Subcommand)]
pub enum RolloutAction {
    /// Tick an item by hand, such as `homeport rollout check backups`.
    Check {
        /// Item id, as `homeport rollout` lists it.
        item: String,
    },
    /// Remove a tick made by hand. Items Homeport detects stay done while it sees them.
    Uncheck {
        /// Item id, as `homeport rollout` lists it.
        item: String,
    },
}

/// Lets clap list the ids in `--help` and in its error for a wrong value, and parse them into
/// core's enum.
fn id_parser<T: Clone + Send + Sync + 'static>(
    ids: &'static [&'static str],
    parse: fn(&str) -> homeport_core::Result<T>,
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(ids.iter().copied()).try_map(move |id| parse(&id))
}

pub async fn recommend(api: &Api, args: RecommendArgs, output: &Output) -> Result<(), IpcError> {
    let answers = Answers {
        team: args.team,
        workloads: args.workloads,
        scale: args.scale,
        ops: args.ops,
    };
    let recommendation = api.orchestrator_recommend(answers)?;
    if output.json {
        println!("{}", serde_json::to_string(&recommendation).unwrap_or_default());
        return Ok(());
    }
    print_recommendation(&api.orchestrator_wizard()?, &recommendation, Locale::from_environment());
    Ok(())
}

pub async fn rollout(api: &Api, args: RolloutArgs, output: &Output) -> Result<(), IpcError> {
    match args.action {
        Some(RolloutAction::Check { item }) => {
            api.rollout_check(&item, true).await?;
            output.done(&format!("ticked {item}"));
        }
        Some(RolloutAction::Uncheck { item }) => {
            api.rollout_check(&item, false).await?;
            output.done(&format!("unticked {item}"));
        }
        None => {
            let timeout = std::time::Duration::try_from_secs_f64(args.timeout)
                .ok()
                .filter(|timeout| !timeout.is_zero())
                .ok_or_else(|| {
                    IpcError::from(homeport_core::Error::invalid(
                        "timeout",
                        args.timeout.to_string(),
                        "give a positive number of seconds, such as 5",
                    ))
                })?;
            let status = api.rollout_status(Some(timeout)).await?;
            if output.json {
                println!("{}", serde_json::to_string(&status).unwrap_or_default());
            } else {
                print_rollout(&status, Locale::from_environment());
            }
        }
    }
    Ok(())
}

fn text(text: &LocalizedText, locale: Locale) -> &str {
    match locale {
        Locale::En => &text.en,
        Locale::ZhCn => &text.zh_cn,
    }
}

fn print_recommendation(wizard: &WizardView, result: &RecommendationView, locale: Locale) {
    let zh = locale == Locale::ZhCn;
    let label = |en: &'static str, zh_cn: &'static str| if zh { zh_cn } else { en };
    // Chinese text takes the full-width colon without a space.
    let colon = label(": ", "：");

    println!(
        "{}{colon}{}",
        label("Recommended", "推荐"),
        text(&result.primary_name, locale)
    );
    println!(
        "{}{colon}{}",
        label("Runner-up", "次选"),
        text(&result.runner_up_name, locale)
    );
    println!();
    println!("{}", text(&result.summary, locale));

    println!();
    println!("{}", label("Why:", "原因："));
    for reason in &result.reasons {
        let question = wizard.questions.iter().find(|question| question.id == reason.question);
        let answer = question.and_then(|question| question.options.iter().find(|option| option.id == reason.answer));
        let heading = match (question, answer) {
            (Some(question), Some(answer)) => {
                format!("{} {}", text(&question.title, locale), text(&answer.label, locale))
            }
            _ => reason.answer.clone(),
        };
        println!("  - {heading}{colon}{}", text(&reason.text, locale));
    }
    let unused: Vec<&str> = QuestionId::ALL
        .iter()
        .filter(|question| !result.reasons.iter().any(|reason| reason.question == **question))
        .map(|question| question.id())
        .collect();
    if !unused.is_empty() {
        println!(
            "  ({}{colon}{})",
            label("answers that did not change the result", "未影响结果的回答"),
            unused.join(", ")
        );
    }

    if !result.conflicts.is_empty() {
        println!();
        println!("{}", label("Conflicting answers:", "相互矛盾的回答："));
        for conflict in &result.conflicts {
            println!("  ! {}", text(&conflict.text, locale));
        }
    }
    if !result.tips.is_empty() {
        println!();
        println!("{}", label("Tips:", "建议："));
        for tip in &result.tips {
            println!("  - {}", text(&tip.text, locale));
        }
    }

    println!();
    println!(
        "{}",
        label(
            "Capability matrix (* marks the recommendation):",
            "能力对比（* 为推荐项）："
        )
    );
    for row in &wizard.matrix {
        let marker = if row.id == result.highlight { '*' } else { ' ' };
        println!(
            "{marker} {:<16} {} | {} | {}: {} | {}: {}",
            text(&row.name, locale),
            text(&row.best_for, locale),
            text(&row.strength, locale),
            label("learning curve", "学习曲线"),
            text(&row.learning_curve, locale),
            label("ops overhead", "运维开销"),
            text(&row.ops_overhead, locale),
        );
    }

    println!();
    println!("{}", label("Advice:", "建议做法："));
    for advice in &result.advice {
        println!("  - {}", text(advice, locale));
    }
}

fn print_rollout(status: &RolloutView, locale: Locale) {
    let zh = locale == Locale::ZhCn;
    for phase in &status.phases {
        println!(
            "{} ({})  {}/{}",
            text(&phase.title, locale),
            text(&phase.duration, locale),
            phase.done,
            phase.total
        );
        for item in &phase.items {
            let mark = if item.done { 'x' } else { ' ' };
            let state = if item.detected {
                let seen = if zh { "已检测到" } else { "detected" };
                format!("{seen}: {}", item.evidence.join(", "))
            } else if item.checked {
                (if zh { "已手动勾选" } else { "ticked by hand" }).to_string()
            } else {
                String::new()
            };
            println!("  [{mark}] {:<20} {:<28} {state}", item.id, text(&item.title, locale));
        }
        println!();
    }
    for host in &status.unreachable {
        let note = if zh {
            "未能检查主机"
        } else {
            "could not check host"
        };
        eprintln!("homeport: {note} {} ({:?})", host.host, host.code);
    }
}
