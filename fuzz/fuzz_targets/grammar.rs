//! PostgreSQL's grammar path (libpg_query through `syntax::grammar`) on arbitrary text: no
//! panic, no crash in C, every error span in bounds and on character boundaries, at every
//! target version.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgward::source::Span;
use pgward::syntax::{ParseOptions, PgVersion, grammar, parse_file_with};

fn in_bounds(text: &str, at: Span) {
    assert!(at.start <= at.end && at.end <= text.len(), "{at:?}");
    assert!(text.is_char_boundary(at.start) && text.is_char_boundary(at.end));
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    if let Err(e) = grammar::check_sql(&text) {
        in_bounds(&text, e.at);
    }
    if let Some(body) = grammar::plpgsql_body(&text) {
        in_bounds(&text, body);
        if let Err(e) = grammar::check_plpgsql(&text, body) {
            in_bounds(&text, e.at);
        }
    }
    for major in PgVersion::OLDEST..=PgVersion::NEWEST {
        let version = PgVersion::new(major.into()).expect("supported version");
        if let Err(e) = grammar::check_version(&text, version) {
            in_bounds(&text, e.at);
        }
        let parsed = parse_file_with(&text, &ParseOptions { pg_version: version });
        for s in &parsed.statements {
            in_bounds(&text, s.span);
        }
    }
});
