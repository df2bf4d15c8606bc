//! The check cache (`.pgward_cache/`): a warm run gives exactly the diagnostics of a run without
//! it, and anything that could make the cached replay wrong (an edited earlier file, a changed
//! setting, another build, a damaged or foreign pack, two runs at once) makes it a miss.

use pgward::Config;
use pgward::discover::{Stamp, load_set, load_set_deferring};
use pgward::engine::cache::{self, Cache, Outcome};
use pgward::engine::{self, CheckOutput};
use std::path::{Path, PathBuf};
use std::process::Command;

const CONTEXT_FILES: usize = 40;

/// A project: pgward.toml with `migrations_dir`, `CONTEXT_FILES` migrations, and the new one.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("pgward.toml"),
        "migrations_dir = \"migrations\"\n",
    )
    .unwrap();
    let m = dir.path().join("migrations");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        m.join("0001_users.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    )
    .unwrap();
    for i in 2..=CONTEXT_FILES {
        std::fs::write(
            m.join(format!("{i:04}_t{i}.sql")),
            format!(
                "CREATE TABLE t{i} (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));\n\
                 CREATE INDEX t{i}_user_id ON t{i} (user_id);\n"
            ),
        )
        .unwrap();
    }
    // Creates `users` again: a finding only while 0001 creates it.
    std::fs::write(
        m.join("0100_new.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE INDEX t2_user_id_2 ON t2 (user_id);\n",
    )
    .unwrap();
    dir
}

fn new_file(dir: &Path) -> String {
    dir.join("migrations/0100_new.sql")
        .to_string_lossy()
        .into_owned()
}

fn config(dir: &Path) -> Config {
    Config::load(&dir.join("pgward.toml")).expect("config")
}

fn run(dir: &Path, config: &Config, cache: Option<&Cache>) -> (CheckOutput, Outcome) {
    let set = load_set(&[new_file(dir)], None, config, dir);
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    assert_eq!(set.inputs.len(), CONTEXT_FILES + 1);
    match cache {
        Some(cache) => cache::check(set.inputs, config, cache),
        None => (engine::check(set.inputs, config), Outcome::default()),
    }
}

/// A check as `pgward check` runs it with the cache: discovery leaves the context files the
/// cache knows by their stamps unread. Also returns how many it left unread.
fn run_stamped(dir: &Path, config: &Config, cache: &Cache) -> (CheckOutput, Outcome, usize) {
    let defer = |files: &[(&str, Stamp)]| cache.deferrable(config, files);
    let set = load_set_deferring(&[new_file(dir)], None, config, dir, &defer);
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    assert_eq!(set.unread.len() + set.inputs.len(), CONTEXT_FILES + 1);
    let unread = set.unread.len();
    let (out, outcome) = cache::check_loaded(set.unread, &set.stamps, set.inputs, config, cache);
    (out, outcome, unread)
}

/// The JSON report: positions in context files (related locations) included.
fn json(out: &CheckOutput) -> String {
    let mut bytes = Vec::new();
    pgward::report::render(
        pgward::report::Format::Json,
        out,
        &pgward::report::ReportOptions::default(),
        &mut bytes,
    )
    .unwrap();
    String::from_utf8(bytes).unwrap()
}

/// Stamps are recorded only for files that changed more than a second ago.
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(1100));
}

fn rules(out: &CheckOutput) -> Vec<&'static str> {
    out.diagnostics.iter().map(|d| d.rule).collect()
}

fn cache_in(dir: &Path) -> Cache {
    Cache::with_build(dir.join(cache::DIR_NAME), "test build 1")
}

fn packs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir.join(cache::DIR_NAME).join("replay")) else {
        return Vec::new();
    };
    let mut packs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    packs.sort();
    packs
}

#[test]
fn a_warm_run_restores_the_context_and_finds_the_same() {
    let dir = project();
    let (config, cache) = (config(dir.path()), cache_in(dir.path()));
    let (plain, _) = run(dir.path(), &config, None);
    assert!(
        rules(&plain).contains(&"schema-conflict"),
        "{:?}",
        plain.diagnostics
    );

    let (cold, outcome) = run(dir.path(), &config, Some(&cache));
    assert_eq!(outcome.restored, 0);
    assert_eq!(outcome.stored, Some(CONTEXT_FILES));
    assert_eq!(cold.diagnostics, plain.diagnostics);
    assert_eq!(packs(dir.path()).len(), 1);
    let c = dir.path().join(cache::DIR_NAME);
    assert!(c.join(".gitignore").is_file() && c.join("CACHEDIR.TAG").is_file());

    let (warm, outcome) = run(dir.path(), &config, Some(&cache));
    assert_eq!(outcome.restored, CONTEXT_FILES, "{outcome:?}");
    assert_eq!(outcome.stored, None, "nothing new to store");
    assert_eq!(warm.diagnostics, plain.diagnostics);
    // Context files are parsed only when something looks into them.
    let parsed = warm.workspace.files.iter().filter(|f| f.parsed.is_parsed());
    assert!(parsed.count() < CONTEXT_FILES / 2);
}

#[test]
fn editing_an_earlier_file_changes_the_later_results() {
    let dir = project();
    let (config, cache) = (config(dir.path()), cache_in(dir.path()));
    run(dir.path(), &config, Some(&cache));
    let (warm, outcome) = run(dir.path(), &config, Some(&cache));
    assert_eq!(outcome.restored, CONTEXT_FILES);
    assert!(rules(&warm).contains(&"schema-conflict"));

    // 0001 no longer creates `users`: the new file's CREATE TABLE conflicts with nothing.
    std::fs::write(
        dir.path().join("migrations/0001_users.sql"),
        "CREATE TABLE people (id bigint PRIMARY KEY);\n",
    )
    .unwrap();
    let (after, outcome) = run(dir.path(), &config, Some(&cache));
    assert_eq!(outcome.restored, 0, "the prefix changed at its first file");
    let (plain, _) = run(dir.path(), &config, None);
    assert_eq!(after.diagnostics, plain.diagnostics);
    assert!(!rules(&after).contains(&"schema-conflict"));

    // An edit in the middle of the prefix: the pack for the new prefix is used from then on,
    // and a renamed file is another file.
    let (_, outcome) = run(dir.path(), &config, Some(&cache));
    assert_eq!(outcome.restored, CONTEXT_FILES);
    std::fs::rename(
        dir.path().join("migrations/0030_t30.sql"),
        dir.path().join("migrations/0030_t30_renamed.sql"),
    )
    .unwrap();
    let (after, outcome) = run(dir.path(), &config, Some(&cache));
    assert_eq!(outcome.restored, 0, "{outcome:?}");
    assert_eq!(
        after.diagnostics,
        run(dir.path(), &config, None).0.diagnostics
    );
}

#[test]
fn a_changed_setting_or_build_is_a_miss() {
    let dir = project();
    let (config, cache) = (config(dir.path()), cache_in(dir.path()));
    run(dir.path(), &config, Some(&cache));
    assert_eq!(
        run(dir.path(), &config, Some(&cache)).1.restored,
        CONTEXT_FILES
    );

    // Another target version parses differently.
    let mut other = config.clone();
    other.postgres_version = pgward::syntax::PgVersion::parse("17").unwrap();
    let (_, outcome) = run(dir.path(), &other, Some(&cache));
    assert_eq!(outcome.restored, 0);
    assert_eq!(outcome.stored, Some(CONTEXT_FILES));

    // Another runner replays other sections.
    let mut other = config.clone();
    other.runner = Some(pgward::runner::Runner::Dbmate);
    assert_eq!(run(dir.path(), &other, Some(&cache)).1.restored, 0);

    // Rule settings do not change the replay: still a hit.
    let mut other = config.clone();
    other.rules.ignore.push("schema-conflict".into());
    assert_eq!(
        run(dir.path(), &other, Some(&cache)).1.restored,
        CONTEXT_FILES
    );

    // Another pgward build never reads this one's packs.
    let newer = Cache::with_build(dir.path().join(cache::DIR_NAME), "test build 2");
    let (_, outcome) = run(dir.path(), &config, Some(&newer));
    assert_eq!(outcome.restored, 0);
    assert_eq!(outcome.stored, Some(CONTEXT_FILES));
}

#[test]
fn a_damaged_or_foreign_pack_is_ignored_and_rebuilt() {
    let dir = project();
    let (config, cache) = (config(dir.path()), cache_in(dir.path()));
    let (plain, _) = run(dir.path(), &config, None);
    run(dir.path(), &config, Some(&cache));
    let [pack] = packs(dir.path()).try_into().expect("one pack");
    let good = std::fs::read(&pack).unwrap();

    let mut foreign_format = good.clone();
    foreign_format[8] ^= 0xff;
    let mut garbled_payload = good.clone();
    let last = garbled_payload.len() - 1;
    garbled_payload[last] ^= 0x55;
    let mut garbled_key = good.clone();
    garbled_key[20] ^= 1;
    let damages: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated header", good[..40].to_vec()),
        ("truncated payload", good[..good.len() - 7].to_vec()),
        ("garbled payload", garbled_payload),
        ("another format", foreign_format),
        ("another key", garbled_key),
        (
            "not ours",
            b"this is not a pgward cache file at all, just text\n".repeat(9),
        ),
        ("longer", [good.as_slice(), b"trailing"].concat()),
    ];
    for (what, bytes) in damages {
        std::fs::write(&pack, &bytes).unwrap();
        let (out, outcome) = run(dir.path(), &config, Some(&cache));
        assert_eq!(outcome.restored, 0, "{what}: {outcome:?}");
        assert!(outcome.rejected.is_some(), "{what}: {outcome:?}");
        assert_eq!(outcome.stored, Some(CONTEXT_FILES), "{what}: rebuilt");
        assert_eq!(out.diagnostics, plain.diagnostics, "{what}");
        let (_, outcome) = run(dir.path(), &config, Some(&cache));
        assert_eq!(
            outcome.restored, CONTEXT_FILES,
            "{what}: the rebuilt pack is used"
        );
    }

    // A payload that verifies but does not decode (a writer with a bug, or a crafted file):
    // rejected at decoding, never a panic.
    let mut bytes = good[..good.len() - 64].to_vec();
    let (header, payload) = bytes.split_at_mut(8 + 4 + 32 + 32 + 8 + 8 + 8);
    payload.iter_mut().for_each(|b| *b = 0xff);
    let digest = pgward::engine::cache::checksum(payload);
    let payload_len = (payload.len() as u64).to_le_bytes();
    header[8 + 4 + 32 + 32 + 8..][..8].copy_from_slice(&payload_len);
    header[8 + 4 + 32 + 32 + 16..].copy_from_slice(&digest);
    std::fs::write(&pack, &bytes).unwrap();
    let (out, outcome) = run(dir.path(), &config, Some(&cache));
    assert_eq!(outcome.restored, 0, "{outcome:?}");
    assert!(
        outcome
            .rejected
            .as_deref()
            .is_some_and(|r| r.contains("decode")),
        "{outcome:?}"
    );
    assert_eq!(out.diagnostics, plain.diagnostics);

    // A cache directory that cannot be written only costs the cache.
    let blocked = Cache::with_build(dir.path().join("pgward.toml"), "test build 1");
    let (out, outcome) = run(dir.path(), &config, Some(&blocked));
    assert_eq!(outcome, Outcome::default());
    assert_eq!(out.diagnostics, plain.diagnostics);
}

/// Two `pgward check` processes at once (pre-commit in two terminals) on a cold cache both
/// write the same pack; readers and writers never see half a pack.
#[test]
fn concurrent_runs_do_not_corrupt_the_cache() {
    let dir = project();
    let check = || {
        Command::new(env!("CARGO_BIN_EXE_pgward"))
            .args(["check", "--format", "json", "migrations/0100_new.sql"])
            .current_dir(dir.path())
            .env_remove("XDG_CACHE_HOME")
            .output()
            .expect("run pgward")
    };
    let expected = {
        let out = Command::new(env!("CARGO_BIN_EXE_pgward"))
            .args([
                "check",
                "--no-cache",
                "--format",
                "json",
                "migrations/0100_new.sql",
            ])
            .current_dir(dir.path())
            .output()
            .expect("run pgward");
        assert!(
            !dir.path().join(cache::DIR_NAME).exists(),
            "--no-cache writes nothing"
        );
        out.stdout
    };
    assert!(String::from_utf8_lossy(&expected).contains("schema-conflict"));
    for round in 0..4 {
        let _ = std::fs::remove_dir_all(dir.path().join(cache::DIR_NAME));
        let outs: Vec<_> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..4).map(|_| s.spawn(check)).collect();
            runs.into_iter()
                .map(|r| r.join().expect("thread"))
                .collect()
        });
        for out in outs {
            assert_eq!(out.stdout, expected, "round {round}");
            assert_eq!(out.status.code(), Some(1), "round {round}");
        }
        let packs = packs(dir.path());
        assert_eq!(packs.len(), 1, "round {round}: {packs:?}");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join(cache::DIR_NAME).join("replay"))
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "round {round}: {leftovers:?}");
        // And the pack they left is whole: a warm run uses it and agrees.
        let out = check();
        assert_eq!(out.stdout, expected, "round {round}: warm");
    }
}

#[test]
fn unchanged_context_files_are_known_by_their_stamps_and_not_read() {
    let dir = project();
    settle();
    let (config, cache) = (config(dir.path()), cache_in(dir.path()));
    let (plain, _) = run(dir.path(), &config, None);
    assert!(
        plain.diagnostics.iter().any(|d| !d.related.is_empty()),
        "the sample needs a finding that points into a context file"
    );

    let (cold, outcome, unread) = run_stamped(dir.path(), &config, &cache);
    assert_eq!((unread, outcome.stored), (0, Some(CONTEXT_FILES)));
    assert_eq!(json(&cold), json(&plain));

    let (warm, outcome, unread) = run_stamped(dir.path(), &config, &cache);
    assert_eq!(unread, CONTEXT_FILES, "{outcome:?}");
    assert_eq!(outcome.restored, CONTEXT_FILES);
    assert_eq!(warm.diagnostics, plain.diagnostics);
    // Related locations in unread files are read when the report needs them.
    assert_eq!(json(&warm), json(&plain));
    let read = warm.workspace.files[..CONTEXT_FILES]
        .iter()
        .filter(|f| f.source.is_read());
    assert!(read.count() < CONTEXT_FILES / 2);

    // The same length, other text: the stamp (times) changes, so the file is read and the
    // prefix is found by content, which changed too.
    let file = dir.path().join("migrations/0001_users.sql");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("users", "usres")).unwrap();
    let (after, outcome, unread) = run_stamped(dir.path(), &config, &cache);
    assert_eq!((unread, outcome.restored), (0, 0), "{outcome:?}");
    let (plain, _) = run(dir.path(), &config, None);
    assert_eq!(json(&after), json(&plain));
    assert!(!rules(&after).contains(&"schema-conflict"));
}

#[test]
fn stamps_of_files_changed_within_a_second_are_not_recorded() {
    let dir = project();
    let (config, cache) = (config(dir.path()), cache_in(dir.path()));
    run_stamped(dir.path(), &config, &cache);
    let (_, outcome, unread) = run_stamped(dir.path(), &config, &cache);
    assert_eq!(unread, 0, "the files were written just now");
    assert_eq!(outcome.restored, CONTEXT_FILES, "found by content instead");

    settle();
    let (_, _, unread) = run_stamped(dir.path(), &config, &cache);
    assert_eq!(unread, 0, "this run records the settled stamps");
    let (_, _, unread) = run_stamped(dir.path(), &config, &cache);
    assert_eq!(unread, CONTEXT_FILES);
}

#[test]
fn a_stamp_entry_whose_pack_is_gone_or_damaged_is_not_trusted() {
    let dir = project();
    settle();
    let (config, cache) = (config(dir.path()), cache_in(dir.path()));
    let (plain, _) = run(dir.path(), &config, None);
    run_stamped(dir.path(), &config, &cache);
    let [pack] = packs(dir.path()).try_into().expect("one pack");
    let good = std::fs::read(&pack).unwrap();

    // Gone: discovery reads every file.
    std::fs::remove_file(&pack).unwrap();
    let (out, outcome, unread) = run_stamped(dir.path(), &config, &cache);
    assert_eq!((unread, outcome.restored), (0, 0), "{outcome:?}");
    assert_eq!(json(&out), json(&plain));

    // Damaged after discovery trusted the entry: the files are read after all.
    let mut garbled = good.clone();
    let last = garbled.len() - 1;
    garbled[last] ^= 0x55;
    std::fs::write(&pack, &garbled).unwrap();
    let defer = |files: &[(&str, Stamp)]| cache.deferrable(&config, files);
    let set = load_set_deferring(&[new_file(dir.path())], None, &config, dir.path(), &defer);
    assert_eq!(set.unread.len(), CONTEXT_FILES);
    let (out, outcome) = cache::check_loaded(set.unread, &set.stamps, set.inputs, &config, &cache);
    assert_eq!(outcome.restored, 0, "{outcome:?}");
    assert!(outcome.rejected.is_some(), "{outcome:?}");
    assert_eq!(json(&out), json(&plain));
    let (_, _, unread) = run_stamped(dir.path(), &config, &cache);
    assert_eq!(unread, CONTEXT_FILES, "rebuilt and used again");
}

#[test]
fn the_pack_decoded_ahead_of_discovery_is_used_only_when_the_stamps_lead_to_it() {
    let dir = project();
    settle();
    let config = config(dir.path());
    let (plain, _) = run(dir.path(), &config, None);
    // Reads every file, stores the pack, records the stamps and the pack as the last one used.
    run_stamped(dir.path(), &config, &cache_in(dir.path()));

    // The next process decodes that pack while discovery runs, and uses it.
    let cache = cache_in(dir.path());
    cache.prefetch(&config);
    let (warm, outcome, unread) = run_stamped(dir.path(), &config, &cache);
    assert_eq!(unread, CONTEXT_FILES, "{outcome:?}");
    assert!(outcome.prefetched, "{outcome:?}");
    assert_eq!(json(&warm), json(&plain));

    // Without the prefetch the same pack is decoded after discovery: the same result.
    let (cold, outcome, _) = run_stamped(dir.path(), &config, &cache_in(dir.path()));
    assert!(
        !outcome.prefetched && outcome.restored == CONTEXT_FILES,
        "{outcome:?}"
    );
    assert_eq!(json(&cold), json(&plain));

    // Under another build the last pack is not for this run: decoded or not, never used.
    let other = Cache::with_build(dir.path().join(cache::DIR_NAME), "test build 2");
    other.prefetch(&config);
    let (out, outcome, unread) = run_stamped(dir.path(), &config, &other);
    assert_eq!((unread, outcome.restored), (0, 0), "{outcome:?}");
    assert!(!outcome.prefetched, "{outcome:?}");
    assert_eq!(json(&out), json(&plain));

    // An edited context file: its stamp leads nowhere, the files are read, and the decoded
    // pack (of the old text) is left unused.
    let file = dir.path().join("migrations/0001_users.sql");
    std::fs::write(&file, "CREATE TABLE usres (id bigint PRIMARY KEY);\n").unwrap();
    let cache = cache_in(dir.path());
    cache.prefetch(&config);
    let (after, outcome, unread) = run_stamped(dir.path(), &config, &cache);
    assert_eq!(unread, 0, "{outcome:?}");
    assert!(!outcome.prefetched, "{outcome:?}");
    let (plain, _) = run(dir.path(), &config, None);
    assert_eq!(json(&after), json(&plain));

    // A garbled entry naming the last pack is ignored.
    let last = dir.path().join(cache::DIR_NAME).join("stamps/last");
    std::fs::write(&last, "not a hash 7\n").unwrap();
    let cache = cache_in(dir.path());
    cache.prefetch(&config);
    let (out, outcome, _) = run_stamped(dir.path(), &config, &cache);
    assert!(!outcome.prefetched, "{outcome:?}");
    assert_eq!(json(&out), json(&plain));
}

/// Every file reported (`pgward check` of the whole set): no pack applies, but the models of
/// the files whose text did not change are not parsed again.
fn run_whole(dir: &Path, config: &Config, cache: &Cache) -> (CheckOutput, Outcome) {
    let set = load_set(
        &[dir.join("migrations").to_string_lossy().into_owned()],
        None,
        config,
        dir,
    );
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    assert!(set.inputs.iter().all(|i| i.report));
    cache::check(set.inputs, config, cache)
}

#[test]
fn a_whole_set_check_parses_only_the_files_whose_text_changed() {
    let dir = project();
    let (config, cache) = (config(dir.path()), cache_in(dir.path()));
    let plain = |dir: &Path| {
        let set = load_set(
            &[dir.join("migrations").to_string_lossy().into_owned()],
            None,
            &config,
            dir,
        );
        json(&engine::check(set.inputs, &config))
    };
    let files = CONTEXT_FILES + 1;

    let (cold, outcome) = run_whole(dir.path(), &config, &cache);
    assert_eq!(outcome.models, 0, "{outcome:?}");
    assert_eq!(json(&cold), plain(dir.path()));
    let (warm, outcome) = run_whole(dir.path(), &config, &cache);
    assert_eq!(outcome.models, files, "{outcome:?}");
    assert_eq!(json(&warm), plain(dir.path()));

    // One file edited: it alone is parsed, and what it now says is what is reported.
    let file = dir.path().join("migrations/0001_users.sql");
    std::fs::write(&file, "CREATE TABLE usres (id bigint PRIMARY KEY);\n").unwrap();
    let (after, outcome) = run_whole(dir.path(), &config, &cache);
    assert_eq!(outcome.models, files - 1, "{outcome:?}");
    assert_eq!(json(&after), plain(dir.path()));
    assert_ne!(json(&after), json(&warm));

    // A text that moves to another file name is the same model.
    std::fs::rename(&file, dir.path().join("migrations/0001_accounts.sql")).unwrap();
    let (_, outcome) = run_whole(dir.path(), &config, &cache);
    assert_eq!(outcome.models, files, "{outcome:?}");

    // Another build never uses them.
    let other = Cache::with_build(dir.path().join(cache::DIR_NAME), "test build 2");
    let (out, outcome) = run_whole(dir.path(), &config, &other);
    assert_eq!(outcome.models, 0, "{outcome:?}");
    assert_eq!(json(&out), plain(dir.path()));
}

#[test]
fn damaged_kept_models_are_ignored_and_rebuilt() {
    let dir = project();
    let (config, cache) = (config(dir.path()), cache_in(dir.path()));
    let set = load_set(
        &[dir.path().join("migrations").to_string_lossy().into_owned()],
        None,
        &config,
        dir.path(),
    );
    let plain = json(&engine::check(set.inputs, &config));
    run_whole(dir.path(), &config, &cache);
    let store_dir = dir.path().join(cache::DIR_NAME).join("models");
    let [store] = std::fs::read_dir(&store_dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect::<Vec<_>>()
        .try_into()
        .expect("one store");
    let good = std::fs::read(&store).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x20;
    for (what, bytes) in [
        ("a flipped byte", flipped),
        ("truncated", good[..good.len() - 9].to_vec()),
        ("empty", Vec::new()),
        ("text", b"not models\n".repeat(40)),
    ] {
        std::fs::write(&store, &bytes).unwrap();
        let (out, outcome) = run_whole(dir.path(), &config, &cache);
        assert_eq!(outcome.models, 0, "{what}: {outcome:?}");
        assert_eq!(json(&out), plain, "{what}");
        let (_, outcome) = run_whole(dir.path(), &config, &cache);
        assert_eq!(outcome.models, CONTEXT_FILES + 1, "{what}: rebuilt");
    }
}
