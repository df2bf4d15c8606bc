//! The statement splitter on any UTF-8 text: no panic, spans in bounds, on character
//! boundaries, ordered and non-overlapping.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let out = pgward::syntax::split::split(text);
    let ok = |s: pgward::Span| {
        s.start <= s.end
            && s.end <= text.len()
            && text.is_char_boundary(s.start)
            && text.is_char_boundary(s.end)
    };
    let mut last = 0;
    for s in &out.statements {
        assert!(ok(s.span) && s.span.start >= last);
        last = s.span.end;
    }
    let mut last = 0;
    for c in &out.comments {
        assert!(ok(c.span) && c.span.start >= last);
        last = c.span.end;
    }
    for e in &out.errors {
        assert!(ok(e.at));
    }
});
