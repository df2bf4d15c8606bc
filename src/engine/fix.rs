//! Applying the rules' fixes to a file's text: what `pgward check --fix` and `--diff` do. The
//! fix itself is the rule's (`Diagnostic::fix`), the same one the language server offers as a
//! quick fix; this module only decides which fixes of a file can be applied together.

use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::source::FileId;

/// The result of applying fixes to one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    pub text: String,
    /// Fixes applied.
    pub applied: usize,
    /// Fixes left out because an edit overlapped one already taken (a later pass, on the
    /// fixed text, finds them again if they still apply).
    pub conflicting: usize,
}

/// The fixes `--fix` applies in `file`: every safe fix of a diagnostic there, once.
pub fn safe_fixes(diagnostics: &[Diagnostic], file: FileId) -> Vec<&Fix> {
    let mut fixes: Vec<&Fix> = Vec::new();
    for d in diagnostics.iter().filter(|d| d.file == file) {
        if let Some(fix) = d.fix.as_deref()
            && fix.safe
            && !fix.edits.is_empty()
            && !fixes.contains(&fix)
        {
            fixes.push(fix);
        }
    }
    fixes
}

/// Apply `fixes` to `text`: a fix is applied whole or not at all; one whose edits overlap an
/// edit already taken (or insert at the same point) is left for the next pass.
pub fn apply(text: &str, fixes: &[&Fix]) -> Fixed {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    let mut conflicting = 0;
    for fix in fixes {
        let valid = fix.edits.iter().all(|e| {
            e.span.start <= e.span.end
                && e.span.end <= text.len()
                && text.is_char_boundary(e.span.start)
                && text.is_char_boundary(e.span.end)
        });
        let clashes = fix.edits.iter().enumerate().any(|(i, e)| {
            taken.iter().any(|t| overlaps(t, e))
                || fix.edits[..i].iter().any(|other| overlaps(other, e))
        });
        if !valid || clashes {
            conflicting += 1;
            continue;
        }
        taken.extend(fix.edits.iter());
        applied += 1;
    }
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in taken {
        out.push_str(&text[at..e.span.start]);
        out.push_str(&e.replacement);
        at = e.span.end;
    }
    out.push_str(&text[at..]);
    Fixed {
        text: out,
        applied,
        conflicting,
    }
}

/// Two edits that cannot both apply: their ranges overlap, or both insert at one point (the
/// order of the insertions would be a guess).
fn overlaps(a: &Edit, b: &Edit) -> bool {
    if a.span.is_empty() && b.span.is_empty() {
        return a.span.start == b.span.start;
    }
    a.span.start < b.span.end && b.span.start < a.span.end
        || (a.span.is_empty() && a.span.start > b.span.start && a.span.start < b.span.end)
        || (b.span.is_empty() && b.span.start > a.span.start && b.span.start < a.span.end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn fix(edits: &[(usize, usize, &str)]) -> Fix {
        Fix {
            title: "t".into(),
            edits: edits
                .iter()
                .map(|&(s, e, r)| Edit {
                    span: Span::new(s, e),
                    replacement: r.to_string(),
                })
                .collect(),
            safe: true,
        }
    }

    #[test]
    fn applies_in_order_and_skips_overlaps() {
        let text = "CREATE TABLE t (id int);\nDROP TABLE u;\n";
        let a = fix(&[(13, 13, "IF NOT EXISTS ")]);
        let b = fix(&[(36, 36, "IF EXISTS ")]);
        let clash = fix(&[(13, 13, "IF NOT EXISTS ")]);
        let out = apply(text, &[&b, &a, &clash]);
        assert_eq!(
            out.text,
            "CREATE TABLE IF NOT EXISTS t (id int);\nDROP TABLE IF EXISTS u;\n"
        );
        assert_eq!((out.applied, out.conflicting), (2, 1));
        let replace = fix(&[(0, 6, "create")]);
        let inside = fix(&[(3, 3, "x")]);
        let out = apply(text, &[&replace, &inside]);
        assert_eq!((out.applied, out.conflicting), (1, 1));
        assert!(out.text.starts_with("create TABLE"));
        let out_of_range = fix(&[(100, 100, "x")]);
        assert_eq!(apply(text, &[&out_of_range]).applied, 0);
    }
}
