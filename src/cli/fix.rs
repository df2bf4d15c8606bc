//! `pgward check --fix` and `--diff`: the safe fixes of the reported files, applied until
//! nothing changes. The fixes are the rules' own (the language server offers the same ones);
//! `engine::fix` decides which apply together. Context files, files at or before
//! `[check] after` and findings the baseline records are never touched.

use super::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, error};
use crate::config::Config;
use crate::engine::{self, CheckInput, CheckOutput, baseline, fix};
use crate::source::SourceFile;
use std::io::{self, Write};
use std::path::Path;

/// Enough passes for fixes that wait on a neighbour's (same-point insertions).
const MAX_PASSES: usize = 10;

/// What fixing a set gave.
pub(super) struct Fixing {
    /// The set with the fixes applied (what `--fix` then reports on).
    pub output: CheckOutput,
    /// Per file of the set: the text before, when a fix changed it.
    pub changed: Vec<Option<String>>,
    pub applied: usize,
    /// What the baseline hid from the final check.
    pub baseline: baseline::Filtered,
}

/// Which files `--fix` may change. pgward cannot see which migrations a database has applied,
/// and editing an applied one breaks its runner (the checksum it recorded no longer matches):
/// with `[check] after` every reported file is after it, so not applied; without it only the
/// files named one by one (what pre-commit and the editor pass) are taken as new. `Err` when
/// that leaves nothing to decide from.
pub(super) fn fixable(
    inputs: &[CheckInput],
    config: &Config,
    named: &dyn Fn(&str) -> bool,
) -> Result<Vec<bool>, String> {
    if config.after_version().is_some() {
        return Ok(inputs.iter().map(|i| i.report).collect());
    }
    let fixable: Vec<bool> = inputs
        .iter()
        .map(|i| i.report && named(&i.source.name))
        .collect();
    if fixable.iter().any(|f| *f) {
        return Ok(fixable);
    }
    Err(
        "pgward cannot tell which migrations were already applied, and an applied file must \
         not change (its runner recorded its checksum): name the new files \
         (`pgward check --fix <dir>/<new>.sql`), or set `[check] after` in pgward.toml to the \
         last applied version"
            .to_string(),
    )
}

/// Apply the safe fixes of the `fixable` files, pass after pass, in memory.
pub(super) fn fix_set(
    inputs: Vec<CheckInput>,
    fixable: &[bool],
    config: &Config,
) -> Result<Fixing, String> {
    let originals: Vec<String> = inputs.iter().map(|i| i.source.text.clone()).collect();
    let mut inputs = inputs;
    let mut applied = 0;
    let (mut output, mut filtered) = check(inputs.clone(), config)?;
    for _ in 0..MAX_PASSES {
        let mut changed = false;
        for (i, file) in output.workspace.files.iter().enumerate() {
            if !file.report || !fixable.get(i).copied().unwrap_or(false) {
                continue;
            }
            let fixes = fix::safe_fixes(&output.diagnostics, i);
            if fixes.is_empty() {
                continue;
            }
            let fixed = fix::apply(&file.source.text, &fixes);
            if fixed.applied > 0 && fixed.text != file.source.text {
                applied += fixed.applied;
                inputs[i].source = SourceFile::new(file.source.name.clone(), fixed.text);
                changed = true;
            }
        }
        if !changed {
            break;
        }
        (output, filtered) = check(inputs.clone(), config)?;
    }
    let changed = inputs
        .iter()
        .zip(originals)
        .map(|(input, before)| (input.source.text != before).then_some(before))
        .collect();
    Ok(Fixing {
        output,
        changed,
        applied,
        baseline: filtered,
    })
}

/// The check `--fix` works from: the baseline's findings are not there to fix.
fn check(
    inputs: Vec<CheckInput>,
    config: &Config,
) -> Result<(CheckOutput, baseline::Filtered), String> {
    let mut output = engine::check(inputs, config);
    let filtered = baseline::apply_configured(&mut output, config)?;
    Ok((output, filtered))
}

/// `--diff`: a unified diff of what `--fix` would change; 1 when something would, else 0.
pub(super) fn print_diff(fixing: &Fixing) -> u8 {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut any = false;
    let mut written = Ok(());
    for (file, before) in fixing.output.workspace.files.iter().zip(&fixing.changed) {
        let Some(before) = before else { continue };
        any = true;
        let name = &file.source.name;
        let diff = similar::TextDiff::from_lines(before.as_str(), file.source.text.as_str())
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string();
        written = written.and_then(|()| out.write_all(diff.as_bytes()));
    }
    written = written.and_then(|()| out.flush());
    if let Err(e) = written
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        error(format!("cannot write the diff: {e}"));
        return EXIT_ERROR;
    }
    if any { EXIT_FINDINGS } else { EXIT_OK }
}

/// `--fix`: write the changed files back (a byte order mark is kept). A file that changed on
/// disk since it was read is left alone, with an error.
pub(super) fn write_fixed(
    fixing: &Fixing,
    cwd: &Path,
    stdin_name: Option<&str>,
) -> Result<usize, ()> {
    let mut failed = false;
    let mut written = 0;
    for (file, before) in fixing.output.workspace.files.iter().zip(&fixing.changed) {
        let Some(before) = before else { continue };
        let name = &file.source.name;
        if stdin_name == Some(name.as_str()) {
            error(format!(
                "{name}: read from standard input, not written (use --diff to see the fixes)"
            ));
            failed = true;
            continue;
        }
        let path = cwd.join(name);
        let on_disk = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                error(format!("{name}: cannot read it again: {e}"));
                failed = true;
                continue;
            }
        };
        let bom = on_disk.starts_with("\u{feff}".as_bytes());
        let current = String::from_utf8_lossy(&on_disk[if bom { 3 } else { 0 }..]);
        if current != *before {
            error(format!(
                "{name}: changed on disk while pgward ran; not fixed"
            ));
            failed = true;
            continue;
        }
        let mut text = String::with_capacity(file.source.text.len() + 3);
        if bom {
            text.push('\u{feff}');
        }
        text.push_str(&file.source.text);
        if let Err(e) = std::fs::write(&path, text) {
            error(format!("{name}: cannot write: {e}"));
            failed = true;
            continue;
        }
        written += 1;
    }
    if failed { Err(()) } else { Ok(written) }
}
