//! `secret-in-migration`: an API secret committed in a migration (R-005): Stripe secret and
//! restricted keys, a Supabase JWT whose payload says `service_role`, AWS access key ids, private
//! keys, and password literals of `CREATE/ALTER ROLE … PASSWORD`.
//!
//! Keys are found wherever they stand in the file (string, comment, function body): a key in a
//! comment is as leaked as a key in a string. Passwords come from the statement model. Messages
//! never print a secret: they show its kind and a short prefix, and the diagnostic is marked
//! redacted so no source snippet shows it either.

use super::Rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::FileContext;
use crate::source::Span;
use crate::syntax::Stmt;

pub static RULE: Rule = Rule {
    id: "secret-in-migration",
    default_severity: Severity::Error,
    summary: "An API secret (Stripe, AWS, service_role JWT, private key) or a role password literal in a migration; never printed in full",
    doc: include_str!("../../rules/secret-in-migration.md"),
    check: Some(check),
};

/// A secret found in a text: where, what kind, and a masked form for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub span: Span,
    pub kind: &'static str,
    pub masked: String,
}

fn is_key_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// A placeholder such as `sk_test_xxxxxxxxxxxxxxxxxxxxxxxx` or `…YOUR_KEY…`: too few distinct
/// characters to be a key.
fn looks_like_placeholder(tail: &[u8]) -> bool {
    let mut seen = [false; 256];
    let mut distinct = 0;
    for &b in tail {
        if !seen[usize::from(b)] {
            seen[usize::from(b)] = true;
            distinct += 1;
        }
    }
    distinct < 6
}

/// The first `keep` characters of a secret, then `…` (secrets here are ASCII).
fn mask(secret: &str, keep: usize) -> String {
    let shown: String = secret.chars().take(keep).collect();
    format!("{shown}…")
}

/// The second byte of every key prefix (`sk`, `rk`, `ey`, `AK`, `AS`, `--`).
const SECOND_BYTES: [u8; 5] = [b'k', b'y', b'K', b'S', b'-'];

/// Whether one of the eight bytes of `word` is `b`.
fn holds(word: u64, b: u8) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let x = word ^ (u64::from(b) * ONES);
    x.wrapping_sub(ONES) & !x & (ONES << 7) != 0
}

/// Stripe keys: `sk_live_`, `sk_test_`, `rk_live_`, `rk_test_` then at least 16 key characters.
fn stripe(text: &str, at: usize, out: &mut Vec<Found>) {
    let bytes = text.as_bytes();
    let rest = bytes.get(at..).unwrap_or(&[]);
    let prefixes = ["sk_live_", "sk_test_", "rk_live_", "rk_test_"];
    let Some(prefix) = prefixes
        .into_iter()
        .find(|p| rest.starts_with(p.as_bytes()))
    else {
        return;
    };
    if at > 0
        && bytes
            .get(at - 1)
            .is_some_and(|&b| is_key_char(b) || b == b'_')
    {
        return;
    }
    let tail_start = at + prefix.len();
    let tail_len = bytes
        .get(tail_start..)
        .unwrap_or(&[])
        .iter()
        .take_while(|&&b| is_key_char(b))
        .count();
    let tail = bytes.get(tail_start..tail_start + tail_len).unwrap_or(&[]);
    if tail_len < 16 || looks_like_placeholder(tail) {
        return;
    }
    let end = tail_start + tail_len;
    let kind = if prefix.starts_with("sk") {
        "a Stripe secret key"
    } else {
        "a Stripe restricted key"
    };
    out.push(Found {
        span: Span::new(at, end),
        kind,
        masked: mask(text.get(at..end).unwrap_or(""), prefix.len() + 4),
    });
}

fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// A JWT (`eyJ….eyJ….sig`) whose payload has `"role": "service_role"`: the Supabase service
/// key, which bypasses row level security. The anon key is public by design and not reported.
fn service_role_jwt(text: &str, at: usize, out: &mut Vec<Found>) {
    let bytes = text.as_bytes();
    if !bytes.get(at..).is_some_and(|rest| rest.starts_with(b"eyJ")) {
        return;
    }
    if at > 0
        && bytes
            .get(at - 1)
            .is_some_and(|&b| is_b64url(b) || b == b'.')
    {
        return;
    }
    let segment = |from: usize| {
        bytes
            .get(from..)
            .unwrap_or(&[])
            .iter()
            .take_while(|&&b| is_b64url(b))
            .count()
    };
    let header_len = segment(at);
    let payload_start = at + header_len + 1;
    if bytes.get(at + header_len) != Some(&b'.') {
        return;
    }
    let payload_len = segment(payload_start);
    let sig_start = payload_start + payload_len + 1;
    if bytes.get(payload_start + payload_len) != Some(&b'.') {
        return;
    }
    let sig_len = segment(sig_start);
    if sig_len < 16 {
        return;
    }
    let Some(payload) = text
        .get(payload_start..payload_start + payload_len)
        .and_then(b64url_decode)
    else {
        return;
    };
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&payload) else {
        return;
    };
    if json.get("role").and_then(serde_json::Value::as_str) != Some("service_role") {
        return;
    }
    let end = sig_start + sig_len;
    out.push(Found {
        span: Span::new(at, end),
        kind: "a Supabase service_role key (a JWT that bypasses row level security)",
        masked: mask(text.get(at..end).unwrap_or(""), 10),
    });
}

/// AWS access key ids: `AKIA`/`ASIA` + 16 upper-case letters or digits (AWS's documentation
/// example `AKIAIOSFODNN7EXAMPLE` excluded).
fn aws_access_key(text: &str, at: usize, out: &mut Vec<Found>) {
    let bytes = text.as_bytes();
    let rest = bytes.get(at..).unwrap_or(&[]);
    if !(rest.starts_with(b"AKIA") || rest.starts_with(b"ASIA")) {
        return;
    }
    if at > 0 && bytes.get(at - 1).is_some_and(|&b| is_key_char(b)) {
        return;
    }
    let end = at + 20;
    let Some(key) = bytes.get(at..end) else {
        return;
    };
    let shape = key
        .iter()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let bounded = bytes.get(end).is_none_or(|&b| !is_key_char(b));
    if !shape || !bounded || key.ends_with(b"EXAMPLE") {
        return;
    }
    out.push(Found {
        span: Span::new(at, end),
        kind: "an AWS access key id",
        masked: mask(text.get(at..end).unwrap_or(""), 4),
    });
}

/// `-----BEGIN … PRIVATE KEY-----` through its `-----END … PRIVATE KEY-----` (or the line).
fn private_key(text: &str, at: usize, out: &mut Vec<Found>) {
    let begins = text.as_bytes().get(at..).unwrap_or(&[]);
    if !begins.starts_with(b"-----BEGIN ") {
        return;
    }
    let line_end = text
        .get(at..)
        .and_then(|r| r.find('\n'))
        .map_or(text.len(), |e| at + e);
    let Some(header) = text.get(at..line_end) else {
        return;
    };
    if !header.contains("PRIVATE KEY-----") {
        return;
    }
    let end = text
        .get(line_end..)
        .and_then(|r| r.find("-----END "))
        .and_then(|e| {
            let from = line_end + e;
            let close = text.get(from + 9..)?.find("-----")?;
            Some(from + 9 + close + 5)
        })
        .unwrap_or(line_end);
    out.push(Found {
        span: Span::new(at, end),
        kind: "a private key",
        masked: "-----BEGIN … PRIVATE KEY-----".to_string(),
    });
}

/// Every key found in `text`, in text order (passwords are not text-level: see [`check`]).
pub fn find_keys(text: &str) -> Vec<Found> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    // Each kind of key starts with its own two bytes; check only where they stand (a search per
    // prefix read the whole text nine times).
    let check = |at: usize, out: &mut Vec<Found>| match (bytes.get(at), bytes.get(at + 1)) {
        (Some(b's' | b'r'), Some(b'k')) => stripe(text, at, out),
        (Some(b'e'), Some(b'y')) => service_role_jwt(text, at, out),
        (Some(b'A'), Some(b'K' | b'S')) => aws_access_key(text, at, out),
        (Some(b'-'), Some(b'-')) => private_key(text, at, out),
        _ => {}
    };
    // The second bytes are rare in SQL: skip eight bytes at a time where none stands.
    let mut next = 0; // the first start not checked yet
    for (n, chunk) in bytes.chunks(8).enumerate() {
        let c = n * 8;
        let word = <[u8; 8]>::try_from(chunk).map(u64::from_le_bytes);
        if word.is_ok_and(|w| SECOND_BYTES.iter().all(|&b| !holds(w, b))) {
            continue;
        }
        // Pairs whose second byte is in this chunk.
        for at in c.saturating_sub(1).max(next)..c + chunk.len() - 1 {
            check(at, &mut out);
        }
        next = c + chunk.len() - 1;
    }
    out.sort_by_key(|f| f.span.start);
    out.dedup_by_key(|f| f.span.start);
    out
}

fn check(ctx: &FileContext, out: &mut Vec<Diagnostic>) {
    let statements = ctx.statements();
    let statement_at = |offset: usize| {
        statements
            .iter()
            .rev()
            .find(|s| s.span.start <= offset && offset < s.span.end)
            .map(|s| s.context.in_do_block.unwrap_or(s.span))
    };
    for found in find_keys(&ctx.source().text) {
        let mut d = ctx
            .diagnostic(
                &RULE,
                found.span,
                format!(
                    "{} is committed in this migration (`{}`)",
                    found.kind, found.masked
                ),
            )
            .with_help(
                "revoke (rotate) the key now: it is in the repository's history; keep secrets in \
                 the platform's secret store (Supabase Vault, environment variables) and read them \
                 at run time",
            )
            .redacted();
        if let Some(stmt) = statement_at(found.span.start) {
            d = d.in_statement(stmt);
        }
        out.push(d);
    }
    for stmt in statements {
        let Stmt::Role {
            name,
            password: Some(password),
        } = &stmt.kind
        else {
            continue;
        };
        // `PASSWORD ''` sets no password.
        if password.len() <= 2 {
            continue;
        }
        out.push(
            ctx.diagnostic(
                &RULE,
                *password,
                format!(
                    "the password of role \"{}\" is committed in this migration (`'…'`)",
                    name.value
                ),
            )
            .with_help(
                "set role passwords outside migrations (`\\password` in psql, or `ALTER ROLE … \
                 PASSWORD` run by hand with the value from a secret store), and change this one: \
                 it is in the repository's history",
            )
            .redacted()
            .in_statement(stmt.context.in_do_block.unwrap_or(stmt.span)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::schema::testing::{lines, run};
    use super::*;

    const RULE: &str = "secret-in-migration";

    fn jwt(payload: &str) -> String {
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let enc = |data: &[u8]| {
            let mut s = String::new();
            for chunk in data.chunks(3) {
                let n = chunk
                    .iter()
                    .enumerate()
                    .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
                for i in 0..=chunk.len() {
                    s.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
                }
            }
            s
        };
        format!(
            "{}.{}.{}",
            enc(br#"{"alg":"HS256","typ":"JWT"}"#),
            enc(payload.as_bytes()),
            "dc_X5iR_VSFOkJ8bIvqOqPbpFMXmD4tVAmbuSERxRbU"
        )
    }

    #[test]
    fn keys_are_found_and_masked() {
        let service = jwt(r#"{"iss":"supabase","ref":"abcd","role":"service_role","iat":1}"#);
        let anon = jwt(r#"{"iss":"supabase","ref":"abcd","role":"anon","iat":1}"#);
        let text = format!(
            "-- stripe: sk_live_51HqLyjWDarjtT1zdp7dcXkPn\n\
             SELECT vault.create_secret('sk_test_4eC39HqLyjWDarjtT1zdp7dc');\n\
             SELECT net.http_post(headers := jsonb_build_object('Authorization', 'Bearer {service}'));\n\
             SELECT 'Bearer {anon}';\n\
             SELECT 'AKIAQWERTYUIOPASDFGH', 'AKIAIOSFODNN7EXAMPLE', 'sk_test_xxxxxxxxxxxxxxxxxxxxxxxx', 'mask_live_abc';\n"
        );
        let found = find_keys(&text);
        let kinds: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f.kind, text.get(f.span.range()).unwrap_or("")))
            .collect();
        assert_eq!(kinds.len(), 4, "{kinds:?}");
        assert_eq!(
            kinds[0],
            ("a Stripe secret key", "sk_live_51HqLyjWDarjtT1zdp7dcXkPn")
        );
        assert_eq!(kinds[1].1, "sk_test_4eC39HqLyjWDarjtT1zdp7dc");
        assert_eq!(kinds[2].1, service);
        assert_eq!(kinds[3], ("an AWS access key id", "AKIAQWERTYUIOPASDFGH"));
        assert_eq!(found[0].masked, "sk_live_51Hq…");

        let out = run(&[("1.sql", &text)], &[], "");
        let msgs = lines(&out, RULE);
        assert_eq!(msgs.len(), 4);
        for m in &msgs {
            assert!(!m.contains("sk_live_51HqLyjWDarjtT1zdp7dcXkPn"), "{m}");
            assert!(!m.contains(&service), "{m}");
            assert!(!m.contains("AKIAQWERTYUIOPASDFGH"), "{m}");
        }
        assert!(
            out.diagnostics
                .iter()
                .filter(|d| d.rule == RULE)
                .all(|d| d.redact)
        );
    }

    #[test]
    fn private_keys_and_role_passwords() {
        let text = "INSERT INTO cfg VALUES ('-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----');\n\
                    CREATE ROLE reporter LOGIN PASSWORD 'hunter2-Secret';\n\
                    ALTER USER \"App\" WITH ENCRYPTED PASSWORD 'x9';\n\
                    ALTER ROLE nobody PASSWORD NULL;\nCREATE ROLE empty PASSWORD '';\n\
                    CREATE USER MAPPING FOR postgres SERVER s OPTIONS (password 'p');\n\
                    DO $$ BEGIN CREATE ROLE inside PASSWORD 'in-a-do-block'; END $$;\n";
        let out = run(&[("1.sql", text)], &[], "");
        let msgs = lines(&out, RULE);
        assert_eq!(
            msgs,
            vec![
                "1.sql:1:26 a private key is committed in this migration (`-----BEGIN … PRIVATE KEY-----`)",
                "1.sql:4:37 the password of role \"reporter\" is committed in this migration (`'…'`)",
                "1.sql:5:42 the password of role \"App\" is committed in this migration (`'…'`)",
                "1.sql:9:41 the password of role \"inside\" is committed in this migration (`'…'`)",
            ]
        );
        for m in &msgs {
            assert!(!m.contains("hunter2"));
        }
    }

    #[test]
    fn human_output_never_shows_the_secret() {
        let text = "SELECT set_config('app.stripe', 'sk_live_51HqLyjWDarjtT1zdp7dcXkPn', false);\n";
        let out = run(&[("1.sql", text)], &[], "");
        let mut buf = Vec::new();
        crate::report::render(
            crate::report::Format::Human,
            &out,
            &crate::report::ReportOptions::default(),
            &mut buf,
        )
        .expect("render");
        let shown = String::from_utf8(buf).expect("UTF-8");
        assert!(shown.contains("secret-in-migration"), "{shown}");
        assert!(!shown.contains("dp7dcXkPn"), "{shown}");
        assert!(shown.contains(&format!("'{}'", "*".repeat(33))), "{shown}");
    }
}
