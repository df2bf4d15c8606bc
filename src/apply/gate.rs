//! Step 2: the lint gate, `check` over the whole set, reporting pending files only.

use super::outcome::{ErrorInfo, Out, Summary};
use super::plan::{MigrationFile, Plan};
use crate::config::Config;
use crate::diagnostic::Severity;
use crate::engine::{self, CheckInput};
use crate::rules::Workspace;

/// The lint gate: `check` over the whole set, reporting pending files only. Returns the
/// workspace it checked (pre-flight asks the deploy rules about it).
pub(crate) fn lint_gate(
    files: &[MigrationFile],
    plan: &Plan,
    config: &Config,
    out: &Out,
    summary: &mut Summary,
) -> Result<Workspace, ErrorInfo> {
    let mut cfg = config.clone();
    cfg.assume_in_transaction = Some(true);
    let pending = plan.pending();
    let inputs: Vec<CheckInput> = files
        .iter()
        .enumerate()
        .map(|(i, f)| CheckInput {
            source: f.source.clone(),
            report: pending.contains(&i),
        })
        .collect();
    let mut output = engine::check(inputs, &cfg);
    // A `no-transaction` file runs outside a transaction: the transaction rules do not apply.
    output.diagnostics.retain(|d| {
        let no_txn = files.get(d.file).is_some_and(|f| f.no_transaction);
        !(no_txn && (d.rule == "concurrent-in-transaction" || d.rule == "transaction-wrapper"))
    });
    // What the gate refuses is the shared "fatal at apply": errors, and findings that
    // verification would refuse later (after earlier files were committed) at any severity.
    let errors = output
        .diagnostics
        .iter()
        .filter(|d| engine::fatal_at_apply(d.rule, d.severity))
        .count();
    let warnings = output
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning && !engine::fatal_at_apply(d.rule, d.severity))
        .count();
    if errors == 0 {
        if warnings > 0 {
            out.info(format!(
                "lint: {warnings} warning(s) in pending files (run `pgward check` to see them)"
            ));
        }
        return Ok(output.workspace);
    }
    // Refused: show everything `check` would show (warnings help fix the file too).
    for d in &output.diagnostics {
        if let Some(f) = output.workspace.files.get(d.file) {
            let s = f.source.lines.line_col(&f.source.text, d.span.start);
            let e = f.source.lines.line_col(&f.source.text, d.span.end);
            summary.diagnostics.push(serde_json::json!({
                "file": f.source.name, "rule": d.rule, "severity": d.severity.as_str(),
                "message": d.message, "line": s.line, "column": s.column,
                "end_line": e.line, "end_column": e.column, "help": d.help,
            }));
        }
    }
    if !out.json {
        let mut buf = Vec::new();
        // Colour like `check`: only on a terminal, and never with NO_COLOR.
        let color = std::io::IsTerminal::is_terminal(&std::io::stdout())
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let opts = crate::report::ReportOptions {
            color,
            quiet: false,
        };
        let _ = crate::report::render(crate::report::Format::Human, &output, &opts, &mut buf);
        let text = String::from_utf8_lossy(&buf);
        if text.trim().is_empty() {
            // Fallback if the human reporter printed nothing.
            for d in &summary.diagnostics {
                println!(
                    "{}:{}:{}: error[{}]: {}",
                    d["file"].as_str().unwrap_or(""),
                    d["line"],
                    d["column"],
                    d["rule"].as_str().unwrap_or(""),
                    d["message"].as_str().unwrap_or("")
                );
            }
        } else {
            print!("{text}");
        }
    }
    Err(ErrorInfo {
        kind: "lint",
        message: format!(
            "the lint gate found {errors} problem(s) in the pending migrations that apply refuses \
             (errors, and findings verification would refuse after the first file): nothing was changed \
             (fix them, or suppress with `-- pgward-ignore RULE -- reason`)"
        ),
        problems: Vec::new(),
        sql: None,
    })
}
