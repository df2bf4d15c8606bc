//! `pgward rule`: the list of rules, or one rule's documentation.

use super::{EXIT_ERROR, EXIT_OK, error};
use crate::rules;
use clap::Args;
use std::io::{self, Write};

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// A rule id, e.g. protected-table-drop; without it, every rule is listed
    #[arg(value_name = "RULE")]
    pub id: Option<String>,
}

/// The default severity for the rule list, `off` for rules that run only when selected.
fn default_state(rule: &rules::Rule) -> &'static str {
    if rules::on_by_default(rule) {
        rule.default_severity.as_str()
    } else {
        "off"
    }
}

pub(super) fn run(args: &RuleArgs) -> u8 {
    let mut out = io::stdout().lock();
    let result = match &args.id {
        None => {
            let width = rules::all().iter().map(|r| r.id.len()).max().unwrap_or(0);
            rules::all().iter().try_for_each(|r| {
                writeln!(
                    out,
                    "{:<width$}  {:<7}  {}",
                    r.id,
                    default_state(r),
                    r.summary
                )
            })
        }
        Some(id) => match rules::find(id) {
            Some(rule) => writeln!(
                out,
                "{}\n\nDefault severity: {}",
                rule.doc.trim_end(),
                if rules::on_by_default(rule) {
                    rule.default_severity.as_str().to_string()
                } else {
                    format!(
                        "{} (off by default: turn it on with `[rules] extend_select` or `--extend-select`)",
                        rule.default_severity.as_str()
                    )
                }
            ),
            None => {
                let hint = match rules::closest_rule(id) {
                    Some(close) => format!("; did you mean `{close}`?"),
                    None => String::new(),
                };
                error(format!(
                    "unknown rule `{id}`{hint}\n\nRun `pgward rule` to list every rule."
                ));
                return EXIT_ERROR;
            }
        },
    };
    match result {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            error(format!("cannot write: {e}"));
            EXIT_ERROR
        }
        _ => EXIT_OK,
    }
}
