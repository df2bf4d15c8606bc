//! The lint pipeline: parse every file, replay the catalog, run the rules on the files being
//! reported, apply suppressions and severity overrides, sort.

use crate::catalog::Catalog;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{self, Rule, Spill};
use crate::syntax::{self, ParseOptions, ParsedFile};
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::Arc;

pub mod baseline;
pub mod cache;
pub mod fix;
pub mod suppress;

// The types the engine's callers hand in and get back live in the layer that owns them.
pub use crate::rules::{FileContext, Parsed, Source, Workspace, WorkspaceFile};
pub use crate::source::CheckInput;

/// The result of a check: the parsed set (reporters need the sources) and the diagnostics, in
/// file order then position. A big set's check lets its catalog go once its rules ran
/// (nothing after them reads it): `workspace.catalog` is then empty.
#[derive(Debug)]
pub struct CheckOutput {
    pub workspace: Workspace,
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckOutput {
    /// The files whose text the check let go and read back changed on disk meanwhile: what
    /// is reported about them (positions, snippets, even findings) may not hold.
    pub fn changed_files(&self) -> Vec<&str> {
        self.workspace
            .files
            .iter()
            .filter(|f| f.source.changed())
            .map(|f| f.source.name())
            .collect()
    }
}

/// Parse a set of files (in migration order) for the default target version and replay them
/// into a catalog.
pub fn build_workspace(inputs: Vec<CheckInput>) -> Workspace {
    build_workspace_with(inputs, &ParseOptions::default())
}

/// Parse a set of files (in migration order) and replay them into a catalog.
pub fn build_workspace_with(inputs: Vec<CheckInput>, options: &ParseOptions) -> Workspace {
    // Read inputs (only a streamed set's are not, and it goes through `check_streamed`).
    workspace_from_files(parse_inputs(inputs, options, None, &mut Vec::new()))
}

/// Statement models a check need not parse: `known(text)` is the model of `text` for the
/// check's parse options, if known already (the check cache keeps them by content).
pub(crate) type Known<'a> = Option<&'a (dyn Fn(&str) -> Option<ParsedFile> + Sync)>;

/// A file of a streamed set ([`crate::discover::load_set_streaming`]) that could not be read
/// when the check came to parse it: left out of the check, as discovery leaves out a file it
/// cannot read. `report`: whether it was to be reported (else it was context).
#[derive(Debug)]
pub struct Unreadable {
    pub report: bool,
    pub error: crate::discover::InputError,
}

/// Parse files in parallel (unless their model is known), reading those not read yet; rayon
/// keeps the output in input (migration) order. What cannot be read goes to `unreadable`.
fn parse_inputs(
    inputs: Vec<CheckInput>,
    options: &ParseOptions,
    known: Known,
    unreadable: &mut Vec<Unreadable>,
) -> Vec<WorkspaceFile> {
    let parse = |mut input: CheckInput| {
        if let (Some(len), Some(path)) = (input.source.unread, &input.source.origin) {
            let origin = path.clone();
            match crate::discover::read_regular(path, &input.source.name, len) {
                Ok(source) => {
                    input.source = crate::source::SourceFile {
                        origin: Some(origin),
                        ..source
                    }
                }
                Err(error) => {
                    return Err(Unreadable {
                        report: input.report,
                        error,
                    });
                }
            }
        }
        let text = &input.source.text;
        let parsed = known
            .and_then(|known| known(text))
            .unwrap_or_else(|| syntax::parse_file_with(text, options));
        Ok(WorkspaceFile {
            source: input.source.into(),
            parsed: parsed.into(),
            report: input.report,
        })
    };
    let parsed: Vec<Result<WorkspaceFile, Unreadable>> = if inputs.len() < 2 {
        // One file (a warm run's new file): no thread pool to start.
        inputs.into_iter().map(parse).collect()
    } else {
        inputs.into_par_iter().map(parse).collect()
    };
    let mut files = Vec::with_capacity(parsed.len());
    for file in parsed {
        match file {
            Ok(file) => files.push(file),
            Err(error) => unreadable.push(error),
        }
    }
    files
}

/// A workspace from files parsed earlier (in migration order): the language server keeps the
/// parsed context files cached and only re-parses the buffer being edited.
pub fn workspace_from_files(files: Vec<WorkspaceFile>) -> Workspace {
    let catalog = Catalog::replay(files.iter().map(|f| &*f.parsed));
    Workspace { files, catalog }
}

/// A workspace whose replay leaves out what the runner only runs backwards: down/undo files
/// and dbmate's `-- migrate:down` sections are checked, but their statements do not change the
/// forward schema.
pub fn workspace_for_runner(files: Vec<WorkspaceFile>, config: &Config) -> Workspace {
    let mut catalog = Catalog::default();
    replay_for_runner(&mut catalog, &files, config);
    Workspace { files, catalog }
}

/// Replay `files` after what `catalog` holds, leaving out what the runner only runs backwards.
pub fn replay_for_runner(catalog: &mut Catalog, files: &[WorkspaceFile], config: &Config) {
    let replayed: Vec<Cow<ParsedFile>> = files.iter().map(|f| forward_part(f, config)).collect();
    catalog.replay_more(replayed.iter().map(|p| &**p));
}

/// A file as the forward replay sees it: down sections kept in place (statement indices stay
/// valid) but turned into no-ops.
fn forward_part<'f>(file: &'f WorkspaceFile, config: &Config) -> Cow<'f, ParsedFile> {
    let ranges = config.reversal_ranges(&file.source.name, &file.source.text);
    if ranges.is_empty() {
        return Cow::Borrowed(&*file.parsed);
    }
    let mut parsed = (*file.parsed).clone();
    for stmt in &mut parsed.statements {
        if ranges.iter().any(|r| r.contains(&stmt.span.start)) {
            stmt.kind = syntax::Stmt::Other {
                keyword: "REVERSAL".to_string(),
            };
        }
    }
    Cow::Owned(parsed)
}

/// The rules that look at a reversal on its own: syntax and transaction handling. The
/// schema-aware rules speak about the forward schema, which a reversal is not part of.
const REVERSAL_RULES: &[&str] = &[
    "parse-error",
    "unsupported-syntax",
    "transaction-wrapper",
    "concurrent-in-transaction",
];

/// How the process gives the memory it freed back to the system at once, set by the binary:
/// its allocator keeps freed pages a while, and a big check's peak would otherwise stand on
/// the texts and models it let go at the end of replay and between chunks of rules.
static GIVE_BACK: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Set how freed memory is given back ([`GIVE_BACK`]); the first call wins.
pub fn set_give_back(give_back: fn()) {
    let _ = GIVE_BACK.set(give_back);
}

fn give_back() {
    if let Some(give_back) = GIVE_BACK.get() {
        give_back();
    }
}

/// Files parsed per step of the pipeline: while one chunk is replayed (in migration order, on
/// one thread), the next is parsed (on the others).
const CHUNK: usize = 128;

/// Sets bigger than this (bytes of text) keep each file's statement model packed once it is
/// replayed, and run the rules a chunk of files at a time, so that memory stays flat as the
/// set grows; smaller sets keep the models as they are (packing costs a little time).
pub const PACK_ABOVE: usize = 16 << 20;

/// Whether a check of `inputs` keeps its models packed ([`PACK_ABOVE`]).
pub(crate) fn packs(inputs: &[CheckInput]) -> bool {
    inputs
        .iter()
        .map(|i| i.source.text_len())
        .fold(0, usize::saturating_add)
        > PACK_ABOVE
}

/// Check a migration set with a config.
pub fn check(inputs: Vec<CheckInput>, config: &Config) -> CheckOutput {
    check_knowing(inputs, config, None)
}

/// [`check`] of a set whose files are read as they are parsed
/// ([`crate::discover::load_set_streaming`]), with the files that could not be read then.
pub fn check_streamed(inputs: Vec<CheckInput>, config: &Config) -> (CheckOutput, Vec<Unreadable>) {
    let pack = packs(&inputs);
    check_in(inputs, config, pack, CHUNK, None)
}

/// [`check`], parsing only the files whose model is not `known` (of files read already).
pub(crate) fn check_knowing(inputs: Vec<CheckInput>, config: &Config, known: Known) -> CheckOutput {
    let pack = packs(&inputs);
    check_in(inputs, config, pack, CHUNK, known).0
}

/// [`check`] with models packed or not, `chunk` files per pipeline step.
fn check_in(
    mut inputs: Vec<CheckInput>,
    config: &Config,
    pack: bool,
    chunk: usize,
    known: Known,
) -> (CheckOutput, Vec<Unreadable>) {
    if pack {
        for input in &mut inputs {
            input.source.text.shrink_to_fit();
        }
    }
    let mut catalog = Catalog::default();
    let options = config.parse_options();
    let (files, unreadable) =
        parse_and_replay(inputs, &options, config, &mut catalog, pack, chunk, known);
    let mut workspace = Workspace { files, catalog };
    let diagnostics = if pack {
        workspace.catalog.shrink_to_fit();
        give_back();
        run_rules_in_chunks(&mut workspace, config, chunk)
    } else {
        run_rules(&workspace, config)
    };
    let output = CheckOutput {
        workspace,
        diagnostics,
    };
    (output, unreadable)
}

/// Parse `inputs` and replay them after what `catalog` holds, as a pipeline: chunk `k` is
/// replayed while chunk `k + 1` is parsed. With `pack`, a replayed file keeps its model packed.
pub(crate) fn parse_and_replay(
    inputs: Vec<CheckInput>,
    options: &ParseOptions,
    config: &Config,
    catalog: &mut Catalog,
    pack: bool,
    chunk: usize,
    known: Known,
) -> (Vec<WorkspaceFile>, Vec<Unreadable>) {
    let mut files: Vec<WorkspaceFile> = Vec::with_capacity(inputs.len());
    let mut unreadable = Vec::new();
    let mut pending: Vec<WorkspaceFile> = Vec::new();
    // Packed models go to a file of their own where one can be made: what a big set's rules
    // read back one chunk at a time need not stay in memory meanwhile.
    let spill = if pack { Spill::new() } else { None };
    let mut inputs = inputs.into_iter();
    for step in 1usize.. {
        let next: Vec<CheckInput> = inputs.by_ref().take(chunk).collect();
        if next.is_empty() && pending.is_empty() {
            break;
        }
        // A big set's texts and unpacked models go as its catalog grows: given back every few
        // steps, they do not add up under the catalog.
        if pack && step.is_multiple_of(8) {
            give_back();
        }
        let replaying = std::mem::take(&mut pending);
        let (parsed, replayed) = rayon::join(
            || parse_inputs(next, options, known, &mut unreadable),
            || {
                replay_for_runner(catalog, &replaying, config);
                if pack {
                    pack_files(replaying, options, spill.as_ref())
                } else {
                    replaying
                }
            },
        );
        files.extend(replayed);
        pending = parsed;
    }
    (files, unreadable)
}

/// Replace each replayed file's model by its packed form, and let go of the text of each file
/// that can be read again ([`Source::released`]): its rules and the reporters read it back.
fn pack_files(
    mut files: Vec<WorkspaceFile>,
    options: &ParseOptions,
    spill: Option<&Arc<Spill>>,
) -> Vec<WorkspaceFile> {
    files.par_iter_mut().for_each(|file| {
        let released = Source::released(&file.source);
        if let Parsed::Ready(parsed) = &file.parsed {
            let source = released.as_ref().unwrap_or(&file.source);
            if let Some(packed) = Parsed::pack(parsed, source, *options, spill) {
                file.parsed = packed;
            }
        }
        if let Some(released) = released
            && matches!(file.parsed, Parsed::Packed(_))
        {
            file.source = released;
        }
    });
    files
}

/// Run the enabled rules over every reported file of a workspace.
pub fn run_rules(workspace: &Workspace, config: &Config) -> Vec<Diagnostic> {
    let enabled = enabled_rules(config);
    let reported: Vec<crate::source::FileId> = (0..workspace.files.len())
        .filter(|&file_id| workspace.files[file_id].report)
        .collect();
    let check = |&file_id: &crate::source::FileId| check_file(workspace, config, &enabled, file_id);
    // Rules see the finished catalog and one file each, so files are checked in parallel (one
    // file, a warm run's, on this thread: no pool to start); the final sort makes the output
    // independent of the thread count.
    let per_file: Vec<Vec<Diagnostic>> = if reported.len() < 2 {
        reported.iter().map(check).collect()
    } else {
        reported.par_iter().map(check).collect()
    };
    sorted(per_file.into_iter().flatten().collect())
}

/// [`run_rules`] a chunk of files at a time, dropping the unpacked copies of packed models
/// after each chunk: what a big set holds at once is the models of one chunk. Each chunk's
/// diagnostics wait encoded and compressed (about a tenth of their size in memory), and are
/// decoded once the rules are done and the catalog is let go.
fn run_rules_in_chunks(
    workspace: &mut Workspace,
    config: &Config,
    chunk: usize,
) -> Vec<Diagnostic> {
    let enabled = enabled_rules(config);
    let mut held: Vec<HeldChunk> = Vec::new();
    let mut start = 0;
    let mut sweeps = 0usize;
    let mut in_order = true;
    while start < workspace.files.len() {
        let end = (start + chunk).min(workspace.files.len());
        let ws = &*workspace;
        let per_file: Vec<Vec<Diagnostic>> = (start..end)
            .into_par_iter()
            .filter(|&file_id| ws.files[file_id].report)
            .map(|file_id| check_file(ws, config, &enabled, file_id))
            .collect();
        let mut found: Vec<Diagnostic> = per_file.into_iter().flatten().collect();
        // Sorted a chunk at a time: when every diagnostic lies in the chunk's own files, the
        // chunks in order are the whole set sorted, and the last step needs no buffer of half
        // the report to sort it.
        in_order &= found.iter().all(|d| (start..end).contains(&d.file));
        if in_order {
            found = sorted(found);
        }
        if !found.is_empty() {
            held.push(HeldChunk::hold(found));
        }
        // A rule may have looked into other files too (where an object was created): those are
        // let go every few chunks, the chunk's own files at once.
        sweeps += 1;
        let sweep = sweeps.is_multiple_of(8);
        let swept = if sweep {
            &mut workspace.files[..]
        } else {
            &mut workspace.files[start..end]
        };
        for file in swept {
            file.parsed.release();
            file.source.release();
        }
        if sweep {
            give_back();
        }
        start = end;
    }
    for file in &mut workspace.files {
        file.parsed.release();
        file.source.release();
    }
    // Nothing reads the catalog after the rules: let it go before the report is decoded.
    workspace.catalog = Catalog::default();
    let mut all = Vec::with_capacity(held.iter().map(HeldChunk::len).sum());
    for chunk in held {
        chunk.unhold_into(&mut all);
    }
    if in_order { all } else { sorted(all) }
}

/// A chunk's diagnostics while the rules of the other chunks run: encoded (postcard) and
/// compressed (lz4), or as they are should encoding fail.
enum HeldChunk {
    Encoded { count: usize, bytes: Box<[u8]> },
    Plain(Vec<Diagnostic>),
}

impl HeldChunk {
    fn hold(found: Vec<Diagnostic>) -> HeldChunk {
        match postcard::to_allocvec(&found) {
            Ok(bytes) => HeldChunk::Encoded {
                count: found.len(),
                // Compressed too: a report's messages and help are a few templates over and
                // over (7.8 MB encoded for the 27,000-file set's 22,758 diagnostics, 1.1 MB
                // compressed).
                bytes: lz4_flex::compress_prepend_size(&bytes).into_boxed_slice(),
            },
            Err(_) => HeldChunk::Plain(found),
        }
    }

    fn len(&self) -> usize {
        match self {
            HeldChunk::Encoded { count, .. } => *count,
            HeldChunk::Plain(found) => found.len(),
        }
    }

    /// Append the chunk's diagnostics to `all`. Decoding what [`HeldChunk::hold`] encoded
    /// with the same types does not fail (a rule id is always read back).
    fn unhold_into(self, all: &mut Vec<Diagnostic>) {
        match self {
            HeldChunk::Encoded { bytes, .. } => {
                let encoded = lz4_flex::decompress_size_prepended(&bytes).unwrap_or_default();
                if let Ok(found) = postcard::from_bytes::<Vec<Decoded>>(&encoded) {
                    all.extend(found.into_iter().map(Diagnostic::from));
                }
            }
            HeldChunk::Plain(found) => all.extend(found),
        }
    }
}

fn enabled_rules(config: &Config) -> Vec<&'static Rule> {
    rules::all()
        .iter()
        .copied()
        .filter(|r| rules::is_enabled(r, config))
        .collect()
}

fn sorted(mut all: Vec<Diagnostic>) -> Vec<Diagnostic> {
    all.sort_by(|a, b| {
        (a.file, a.span.start, a.span.end, a.rule).cmp(&(b.file, b.span.start, b.span.end, b.rule))
    });
    all.dedup();
    all
}

/// The diagnostics of one file: every enabled rule, suppressions, reversal sections, the
/// config's severities.
fn check_file(
    workspace: &Workspace,
    config: &Config,
    enabled: &[&Rule],
    file_id: usize,
) -> Vec<Diagnostic> {
    let ctx = FileContext {
        file_id,
        workspace,
        config,
    };
    let mut found = Vec::new();
    for rule in enabled {
        if let Some(check) = rule.check {
            check(&ctx, &mut found);
        }
    }
    drop_fixes_inside_execute(&ctx, &mut found);
    let mut kept = suppress::apply(&ctx, found);
    let file = &workspace.files[file_id];
    let reversal = config.reversal_ranges(&file.source.name, &file.source.text);
    if !reversal.is_empty() {
        kept.retain(|d| {
            REVERSAL_RULES.contains(&d.rule) || !reversal.iter().any(|r| r.contains(&d.span.start))
        });
    }
    kept.retain(|d| rules::find(d.rule).is_none_or(|r| rules::is_enabled(r, config)));
    for d in &mut kept {
        if let Some(severity) = rules::severity_override(d.rule, config) {
            d.severity = severity;
        }
    }
    kept
}

/// A statement run by `EXECUTE '…'` stands inside a string literal: an edit there would need
/// quoting, so its diagnostics carry no fix. One assembled from several pieces (`format()`
/// arguments, `||`) has no text of its own in the file either, so help that quotes the file
/// around it would be garbled: it gets none.
fn drop_fixes_inside_execute(ctx: &FileContext, found: &mut [Diagnostic]) {
    let executed: Vec<(crate::source::Span, bool)> = ctx
        .statements()
        .iter()
        .filter(|s| s.context.in_execute.is_some())
        .map(|s| (s.span, s.context.assembled))
        .collect();
    if executed.is_empty() {
        return;
    }
    for d in found.iter_mut() {
        let Some(&(_, assembled)) = executed.iter().find(|(span, _)| d.statement == Some(*span))
        else {
            continue;
        };
        d.fix = None;
        if assembled {
            d.help = None;
        }
    }
}

/// Rules whose findings `pgward apply` refuses at any configured severity: its verification
/// step checks the same thing in the live database after a file ran (protected tables still
/// exist, `[realtime] tables` are published), and a refusal then comes after earlier files were
/// committed. Refusing in the lint gate, before anything runs, is the only refusal that changes
/// nothing.
const VERIFIED_AT_APPLY: &[&str] = &["protected-table-drop", "missing-realtime-publication"];

/// "Fatal at apply", the one definition: whether a finding of `rule` at `severity` stops
/// `pgward apply`. Apply's lint gate refuses every diagnostic for which this holds, and apply's
/// verification enforces a rule's check in the live database only when
/// [`rule_fatal_at_apply`] holds, so the gate refuses before the first file is committed
/// everything verification would refuse later.
pub fn fatal_at_apply(rule: &str, severity: Severity) -> bool {
    severity == Severity::Error || VERIFIED_AT_APPLY.contains(&rule)
}

/// [`fatal_at_apply`] for a rule under a config: false when the rule does not run.
pub fn rule_fatal_at_apply(rule_id: &str, config: &Config) -> bool {
    rules::find(rule_id)
        .and_then(|rule| rules::effective_severity(rule, config))
        .is_some_and(|severity| fatal_at_apply(rule_id, severity))
}

/// A [`Diagnostic`] as [`HeldChunk`] reads it back: the same fields in the same order (postcard
/// is positional), the rule as its id.
#[derive(serde::Deserialize)]
struct Decoded {
    rule: String,
    severity: Severity,
    file: crate::source::FileId,
    span: crate::source::Span,
    message: String,
    help: Option<String>,
    related: Vec<crate::diagnostic::Related>,
    fix: Option<Box<crate::diagnostic::Fix>>,
    statement: Option<crate::source::Span>,
    redact: bool,
}

impl From<Decoded> for Diagnostic {
    fn from(d: Decoded) -> Diagnostic {
        Diagnostic {
            // Only registered rules' ids are ever written; another one (never seen) is kept
            // rather than lost.
            rule: rules::find(&d.rule)
                .map_or_else(|| &*Box::leak(d.rule.into_boxed_str()), |rule| rule.id),
            severity: d.severity,
            file: d.file,
            span: d.span,
            message: d.message,
            help: d.help,
            related: d.related,
            fix: d.fix,
            statement: d.statement,
            redact: d.redact,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    /// A streamed set: discovery leaves a big set's files unread and the check reads each as
    /// it parses it, reporting what a check of the set read up front reports; a file that went
    /// bad in between is left out and named, as discovery would have.
    #[test]
    fn a_streamed_set_reads_its_files_as_it_parses_them() {
        use crate::discover::{load_set, load_set_streaming};
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, sql) in [
            (
                "1_a.sql",
                "create table public.a (id bigint primary key);\n",
            ),
            (
                "2_b.sql",
                "create table public.b (id bigint primary key);\n",
            ),
            ("3_c.sql", "alter table public.a add column note text;\n"),
        ] {
            std::fs::write(dir.path().join(name), sql).expect("write");
        }
        let config = Config::default();
        let paths = vec![dir.path().to_string_lossy().into_owned()];
        let load = |above| load_set_streaming(&paths, None, &config, dir.path(), above);

        let read = load_set(&paths, None, &config, dir.path());
        // Not bigger than the bound: read up front, as without streaming.
        let small = load(usize::MAX);
        let texts = |set: &crate::discover::LoadedSet| -> Vec<(String, String, Option<u64>)> {
            let files = set.inputs.iter().map(|i| &i.source);
            files
                .map(|s| (s.name.clone(), s.text.clone(), s.unread))
                .collect()
        };
        assert_eq!(texts(&small), texts(&read));
        let streamed = load(0);
        assert!(streamed.inputs.iter().all(|i| i.source.text.is_empty()));
        let lens: Vec<Option<u64>> = streamed.inputs.iter().map(|i| i.source.unread).collect();
        let expected: Vec<Option<u64>> = read
            .inputs
            .iter()
            .map(|i| Some(i.source.text.len() as u64))
            .collect();
        assert_eq!(lens, expected);

        let found = |output: &CheckOutput| -> Vec<(String, &'static str, Span)> {
            let files = &output.workspace.files;
            let name = |d: &Diagnostic| files[d.file].source.name.clone();
            output
                .diagnostics
                .iter()
                .map(|d| (name(d), d.rule, d.span))
                .collect()
        };
        let plain = check(read.inputs, &config);
        let (output, unreadable) = check_streamed(streamed.inputs, &config);
        assert!(unreadable.is_empty(), "{unreadable:?}");
        assert!(!found(&plain).is_empty());
        assert_eq!(found(&output), found(&plain));

        let again = load(0);
        std::fs::write(dir.path().join("2_b.sql"), b"select '\xff';\n").expect("write");
        let (output, unreadable) = check_streamed(again.inputs, &config);
        assert_eq!(unreadable.len(), 1, "{unreadable:?}");
        assert!(unreadable[0].report);
        let message = unreadable[0].error.to_string();
        assert!(
            message.contains("2_b.sql") && message.contains("invalid UTF-8"),
            "{message}"
        );
        let names: Vec<&str> = output
            .workspace
            .files
            .iter()
            .map(|f| f.source.name.as_str())
            .collect();
        assert!(
            names.len() == 2 && names.iter().all(|n| !n.contains("2_b")),
            "{names:?}"
        );
    }

    /// The pipeline's chunking and packed models change nothing: the same diagnostics, the
    /// same models read back.
    #[test]
    fn packed_and_chunked_checks_match_the_plain_one() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = Config::default();
        let load = || {
            let paths = ["fixtures/corpus".to_string()];
            crate::discover::load_set(&paths, None, &config, root).inputs
        };
        let plain = check_in(load(), &config, false, usize::MAX, None).0;
        assert!(plain.workspace.files.len() > 10 && !plain.diagnostics.is_empty());
        for (pack, chunk) in [(false, 3), (true, 3), (true, 1000)] {
            let other = check_in(load(), &config, pack, chunk, None).0;
            assert_eq!(
                format!("{:?}", plain.diagnostics),
                format!("{:?}", other.diagnostics),
                "pack {pack}, chunk {chunk}"
            );
            for (a, b) in plain.workspace.files.iter().zip(&other.workspace.files) {
                assert_eq!(pack, matches!(b.parsed, Parsed::Packed(_)));
                // Packed models live in the spill file (read back below), not in memory.
                assert_eq!(pack && cfg!(unix), b.parsed.is_spilled());
                assert_eq!(format!("{:?}", *a.parsed), format!("{:?}", *b.parsed));
            }
        }
    }

    /// What a big set holds encoded reads back as it was, every field set, its rule the
    /// registered rule's own id.
    #[test]
    fn held_diagnostics_read_back_as_they_were() {
        use crate::diagnostic::{Edit, Fix};
        use crate::source::Span;
        let rule = rules::all()[0].id;
        let mut d = Diagnostic::new(rule, 3, Span::new(5, 9), "message")
            .with_help("help")
            .with_related(1, Span::new(0, 2), "there");
        d.severity = Severity::Warning;
        d.fix = Some(Box::new(Fix {
            title: "fix it".into(),
            edits: vec![Edit {
                span: Span::new(5, 9),
                replacement: "x".into(),
            }],
            safe: false,
        }));
        d.statement = Some(Span::new(0, 20));
        d.redact = true;
        let plain = Diagnostic::new(rule, 0, Span::new(0, 1), "m");
        let held = HeldChunk::hold(vec![d.clone(), plain.clone()]);
        assert!(matches!(held, HeldChunk::Encoded { count: 2, .. }));
        let mut back = Vec::new();
        held.unhold_into(&mut back);
        assert_eq!(back, vec![d, plain]);
        assert!(std::ptr::eq(back[0].rule, rule));
    }

    /// Every report of a check, in every format (the GitHub format's random token masked).
    fn reports(output: &CheckOutput) -> Vec<String> {
        use crate::report::{Format, ReportOptions, render};
        Format::ALL
            .iter()
            .map(|(name, format)| {
                let mut out = Vec::new();
                render(*format, output, &ReportOptions::default(), &mut out).unwrap();
                let text = String::from_utf8(out).unwrap();
                let text = match text.find("::stop-commands::") {
                    Some(at) => {
                        let token = text[at + 17..].lines().next().unwrap_or("").to_string();
                        text.replace(&token, "TOKEN")
                    }
                    None => text,
                };
                format!("{name}\n{text}")
            })
            .collect()
    }

    /// A big set lets each file's text go once the file is packed, and reads it back for its
    /// rules and the reporters: the same diagnostics and the same reports in every format
    /// (secrets redacted the same), and no text left in memory after the check.
    #[test]
    fn released_texts_give_the_same_reports() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = Config::default();
        let load = |origins: bool| {
            let paths = [
                "fixtures/corpus".to_string(),
                "fixtures/rules/secret-in-migration".to_string(),
            ];
            let mut inputs = crate::discover::load_set(&paths, None, &config, root).inputs;
            if origins {
                for input in &mut inputs {
                    input.source.origin = Some(root.join(&input.source.name));
                }
            }
            inputs
        };
        let plain = check_in(load(false), &config, false, usize::MAX, None).0;
        assert!(plain.diagnostics.iter().any(|d| d.redact));
        let streamed = check_in(load(true), &config, true, 3, None).0;
        assert!(streamed.workspace.files.iter().all(|f| !f.source.is_read()));
        assert_eq!(
            format!("{:?}", plain.diagnostics),
            format!("{:?}", streamed.diagnostics)
        );
        assert_eq!(reports(&plain), reports(&streamed));
        assert!(streamed.workspace.files.iter().all(|f| !f.source.is_read()));
        assert!(streamed.changed_files().is_empty());
        // Packed without an origin (standard input): the text stays.
        let kept = check_in(load(false), &config, true, 3, None).0;
        assert!(kept.workspace.files.iter().all(|f| f.source.is_read()));
        assert_eq!(reports(&plain), reports(&kept));
    }

    /// A file that changes on disk between its parse and its report is named, never quoted
    /// with positions of the new text; one rewritten with the same text is fine.
    #[test]
    fn a_file_changed_during_the_check_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let texts = [
            ("1_a.sql", "\u{feff}CREATE TABLE a (id int);\n"),
            ("2_b.sql", "CREATE TABLE b (id int);\nDROP TABLE a;\n"),
            ("3_c.sql", "DROP TABLE b;\n"),
        ];
        let mut inputs = Vec::new();
        for (name, text) in texts {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let mut source = crate::source::SourceFile::new(name, text);
            source.origin = Some(path);
            inputs.push(CheckInput {
                source,
                report: true,
            });
        }
        let config = Config::default();
        let output = check_in(inputs, &config, true, 1, None).0;
        assert!(!output.diagnostics.is_empty());
        std::fs::write(dir.path().join("2_b.sql"), "-- moved\nDROP TABLE a;\n").unwrap();
        std::fs::write(dir.path().join("3_c.sql"), texts[2].1).unwrap();
        let _ = reports(&output);
        assert_eq!(output.changed_files(), ["2_b.sql"]);
    }
}
