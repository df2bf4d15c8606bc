//! The whole check pipeline (split, parse, DO bodies, catalog replay, rules) on one file, then
//! on two copies of it as a set: no panic, every diagnostic span in bounds and convertible to
//! line/column and LSP positions.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgward::engine::{self, CheckInput};
use pgward::{Config, SourceFile};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let inputs = vec![
        CheckInput {
            source: SourceFile::new("1_a.sql", text.clone()),
            report: false,
        },
        CheckInput {
            source: SourceFile::new("2_b.sql", text),
            report: true,
        },
    ];
    let out = engine::check(inputs, &Config::default());
    for f in &out.workspace.files {
        let text = &f.source.text;
        let mut last = 0;
        for s in f.parsed.top_level() {
            assert!(s.span.end <= text.len() && s.span.start >= last);
            assert!(text.is_char_boundary(s.span.start) && text.is_char_boundary(s.span.end));
            last = s.span.end;
        }
    }
    for d in &out.diagnostics {
        let f = &out.workspace.files[d.file].source;
        assert!(d.span.end <= f.text.len());
        assert!(f.text.is_char_boundary(d.span.start) && f.text.is_char_boundary(d.span.end));
        let _ = f.lines.line_col(&f.text, d.span.end);
        let _ = f.lines.utf16(&f.text, d.span.end);
    }
});
