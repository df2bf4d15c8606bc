//! Database URLs: parsing into a connection config, `sslmode`, and password redaction.
//!
//! The password must never reach a terminal or a log: every message that may contain the URL or
//! text derived from it goes through [`DbUrl::redact`] (or [`redact_url_text`] before parsing).

use postgres::config::{Host, SslMode};

/// A parsed `postgres://` URL (or libpq `key=value` string).
pub struct DbUrl {
    pub config: postgres::Config,
    /// The password, kept only to scrub it from messages and to hand it to `pg_dump` via its
    /// environment (never argv).
    password: Option<String>,
    /// The URL with the password replaced by `***`.
    pub redacted: String,
}

impl std::fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbUrl")
            .field("url", &self.redacted)
            .finish()
    }
}

impl DbUrl {
    /// Parse a URL. The error message is already redacted.
    pub fn parse(raw: &str) -> Result<DbUrl, String> {
        let redacted = mask_unknown_values(&redact_url_text(raw));
        let password = extract_password(raw);
        let scrub = |msg: String| -> String {
            let msg = redact_url_text(&msg);
            match &password {
                Some(p) => redact_secret(&msg, p),
                None => msg,
            }
        };
        let trimmed = raw.trim();
        let looks_like_url = trimmed.contains("://");
        if looks_like_url
            && !(trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://"))
        {
            return Err(format!(
                "invalid database URL `{redacted}`: expected a postgres:// or postgresql:// URL"
            ));
        }
        if !looks_like_url && !trimmed.is_empty() && !is_key_value(trimmed) {
            return Err(
                "invalid database URL (not shown: it may contain a password) (expected \
                 postgres://user:password@host:port/dbname[?sslmode=disable|prefer|require])"
                    .to_string(),
            );
        }
        let parsed: Result<postgres::Config, postgres::Error> = if trimmed.is_empty() {
            // No URL at all: everything from the libpq environment, as `psql` with no arguments.
            Ok(postgres::Config::new())
        } else {
            trimmed.parse()
        };
        let mut config: postgres::Config = parsed.map_err(|e: postgres::Error| {
            // The parser's reason (`invalid value for option `sslmode``) is in the source.
            let reason = match std::error::Error::source(&e) {
                Some(s) => format!("{e}: {s}"),
                None => e.to_string(),
            };
            let shown = if looks_like_url || is_key_value(trimmed) {
                scrub(format!("`{redacted}`: {reason}"))
            } else {
                // Neither a URL nor key=value: we cannot tell where a password would be, and
                // the parser's reason quotes the text.
                "(not shown: it may contain a password)".to_string()
            };
            format!(
                "invalid database URL {shown} (expected postgres://user:password@host:port/dbname\
                 [?sslmode=disable|prefer|require])"
            )
        })?;
        let given = |key: &str| has_param(trimmed, key);
        env_defaults(&mut config, &given)?;
        if config.get_hosts().is_empty() {
            return Err(format!(
                "invalid database URL `{redacted}`: no host (expected postgres://user:password@host:port/dbname, or PGHOST)"
            ));
        }
        if !given("keepalives_idle") {
            config.keepalives_idle(std::time::Duration::from_secs(30));
        }
        if config.get_keepalives_interval().is_none() {
            config.keepalives_interval(std::time::Duration::from_secs(10));
        }
        if config.get_keepalives_retries().is_none() {
            config.keepalives_retries(3);
        }
        // The parser's view of the password is authoritative (quoted key=value values, URL
        // userinfo with unencoded `/`); our own extraction is the fallback.
        let mut password = config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .or(password);
        if password.is_none() {
            // libpq's order: PGPASSWORD, then the password file.
            password = std::env::var("PGPASSWORD")
                .ok()
                .filter(|p| !p.is_empty())
                .or_else(|| passfile_password(&config));
            if let Some(p) = &password {
                config.password(p.as_str());
            }
        }
        let redacted = if trimmed.is_empty() {
            describe_env(&config)
        } else {
            redacted
        };
        Ok(DbUrl {
            config,
            password,
            redacted,
        })
    }

    /// The connect timeout (`connect_timeout`, `PGCONNECT_TIMEOUT`, default 10 s): it bounds the
    /// whole connection set-up, TLS and authentication included.
    pub fn connect_timeout(&self) -> std::time::Duration {
        self.config
            .get_connect_timeout()
            .copied()
            .unwrap_or(std::time::Duration::from_secs(10))
    }

    /// Replace the password (raw and percent-encoded) and any URL userinfo password in `text`.
    pub fn redact(&self, text: &str) -> String {
        let text = redact_url_text(text);
        match &self.password {
            Some(p) => redact_secret(&text, p),
            None => text,
        }
    }

    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    pub fn dbname(&self) -> String {
        self.config
            .get_dbname()
            .map(str::to_string)
            .or_else(|| self.config.get_user().map(str::to_string))
            .unwrap_or_else(|| "postgres".to_string())
    }

    pub fn ssl_mode_str(&self) -> &'static str {
        match self.config.get_ssl_mode() {
            SslMode::Disable => "disable",
            SslMode::Require => "require",
            _ => "prefer",
        }
    }

    /// libpq environment variables describing this connection, for `pg_dump` (the password goes
    /// in `PGPASSWORD`, never on the command line where `ps` would show it).
    pub fn libpq_env(&self) -> Vec<(String, String)> {
        let mut env = Vec::new();
        if let Some(host) = self.config.get_hosts().first() {
            let h = match host {
                Host::Tcp(h) => h.clone(),
                #[cfg(unix)]
                Host::Unix(p) => p.display().to_string(),
            };
            env.push(("PGHOST".to_string(), h));
        }
        if let Some(port) = self.config.get_ports().first() {
            env.push(("PGPORT".to_string(), port.to_string()));
        }
        if let Some(user) = self.config.get_user() {
            env.push(("PGUSER".to_string(), user.to_string()));
        }
        env.push(("PGDATABASE".to_string(), self.dbname()));
        env.push(("PGSSLMODE".to_string(), self.ssl_mode_str().to_string()));
        env.push((
            "PGCONNECT_TIMEOUT".to_string(),
            self.connect_timeout().as_secs().max(1).to_string(),
        ));
        if let Some(p) = &self.password {
            env.push(("PGPASSWORD".to_string(), p.clone()));
        }
        env
    }
}

/// The TLS connector type of every connection (rustls; no OpenSSL in the build or at run time).
pub type TlsConnector = tokio_postgres_rustls::MakeRustlsConnect;

/// The TLS connector for every connection. `sslmode=require` encrypts without verifying the
/// server certificate, exactly like libpq's `require` (Supabase's pooler certificates are not
/// in the system store); `prefer` tries TLS and falls back to plain text. `verify-ca` and
/// `verify-full` are refused when the URL is parsed, so no connection ever claims a verification
/// it does not do. The handshake itself is still checked: the server must prove it holds the
/// certificate's key (TLS 1.2/1.3 signatures), so the channel-binding hash is meaningful.
pub fn tls_connector() -> Result<TlsConnector, String> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(AnyServerCertificate(provider)))
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// libpq's `sslmode=require`: any server certificate is accepted (no chain, no host name check);
/// the handshake signatures are verified with the crypto provider's algorithms.
#[derive(Debug)]
struct AnyServerCertificate(std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyServerCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Connection parameters whose values are shown; every other value (a misspelt `passwd=`,
/// `options=…`, anything unknown) is shown as `***`, since it may be a secret.
const SHOWN_PARAMS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "sslmode",
    "connect_timeout",
    "application_name",
    "keepalives",
    "keepalives_idle",
    "target_session_attrs",
    "channel_binding",
];

/// Mask the values of unknown parameters, in a key=value string or a URL's query.
fn mask_unknown_values(text: &str) -> String {
    let (head, params, sep) = match text.find("://") {
        Some(_) => match text.split_once('?') {
            Some((h, q)) => (format!("{h}?"), q.to_string(), '&'),
            None => return text.to_string(),
        },
        None if is_key_value(text) => (String::new(), text.to_string(), ' '),
        None => return text.to_string(),
    };
    let mut out = head;
    let mut rest = params.as_str();
    let mut first = true;
    while !rest.is_empty() {
        let rest_trim = if sep == ' ' { rest.trim_start() } else { rest };
        if rest_trim.is_empty() {
            break;
        }
        let (key, after) = match rest_trim.split_once('=') {
            Some((k, a)) if !k.contains(sep) => (k, a),
            _ => {
                // No `=`: a broken tail, shown masked.
                if !first {
                    out.push(sep);
                }
                out.push_str("***");
                break;
            }
        };
        // A quoted key=value value may hold spaces; `\'` escapes a quote.
        let end = if sep == ' ' && after.starts_with('\'') {
            let mut escaped = false;
            after
                .char_indices()
                .skip(1)
                .find(|&(_, c)| {
                    let hit = c == '\'' && !escaped;
                    escaped = c == '\\' && !escaped;
                    hit
                })
                .map_or(after.len(), |(i, _)| i + 1)
        } else {
            after.find(sep).unwrap_or(after.len())
        };
        let value = &after[..end];
        if !first {
            out.push(sep);
        }
        first = false;
        out.push_str(key);
        out.push('=');
        if SHOWN_PARAMS.contains(&key.trim()) || value == "***" {
            out.push_str(value);
        } else {
            out.push_str("***");
        }
        rest = &after[end..];
        rest = rest.strip_prefix(sep).unwrap_or(rest);
    }
    out
}

/// Whether the URL or key=value string sets `key` itself (then the environment does not).
fn has_param(raw: &str, key: &str) -> bool {
    let pat = format!("{key}=");
    raw.match_indices(&pat).any(|(i, _)| {
        i == 0
            || raw[..i]
                .chars()
                .last()
                .is_some_and(|c| c == '?' || c == '&' || c.is_whitespace())
    })
}

/// Fill what the URL leaves out from the libpq environment, as psql does: `PGHOST`, `PGPORT`,
/// `PGUSER` (default: the OS user), `PGDATABASE`, `PGSSLMODE`, `PGCONNECT_TIMEOUT` (default
/// 10 s), `PGAPPNAME` (default `pgward`). `PGPASSWORD` and the password file come later.
fn env_defaults(config: &mut postgres::Config, given: &dyn Fn(&str) -> bool) -> Result<(), String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if config.get_hosts().is_empty() {
        if let Some(h) = var("PGHOST") {
            for host in h.split(',') {
                config.host(host.trim());
            }
        } else {
            config.host("localhost");
        }
    }
    if config.get_ports().is_empty()
        && let Some(p) = var("PGPORT")
    {
        let port: u16 = p
            .trim()
            .parse()
            .map_err(|_| format!("PGPORT `{p}` is not a port number"))?;
        config.port(port);
    }
    if config.get_user().is_none() {
        match var("PGUSER")
            .or_else(|| var("USER"))
            .or_else(|| var("LOGNAME"))
        {
            Some(u) => {
                config.user(&u);
            }
            None => return Err("no database user: put it in the URL, or set PGUSER".to_string()),
        }
    }
    if config.get_dbname().is_none()
        && let Some(d) = var("PGDATABASE")
    {
        config.dbname(&d);
    }
    if !given("sslmode")
        && let Some(m) = var("PGSSLMODE")
    {
        let mode = match m.as_str() {
            "disable" => postgres::config::SslMode::Disable,
            "prefer" | "allow" => postgres::config::SslMode::Prefer,
            "require" => postgres::config::SslMode::Require,
            other => {
                return Err(format!(
                    "PGSSLMODE `{other}` is not supported (disable, prefer or require)"
                ));
            }
        };
        config.ssl_mode(mode);
    }
    if config.get_connect_timeout().is_none() {
        let secs = match var("PGCONNECT_TIMEOUT") {
            Some(t) => t
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("PGCONNECT_TIMEOUT `{t}` is not a number of seconds"))?,
            None => 10,
        };
        // libpq: 0 means wait forever; pgward always bounds the wait (and at least 2 s).
        let secs = if secs == 0 { 10 } else { secs.max(2) };
        config.connect_timeout(std::time::Duration::from_secs(secs));
    }
    if config.get_application_name().is_none() {
        config.application_name(&var("PGAPPNAME").unwrap_or_else(|| "pgward".to_string()));
    }
    Ok(())
}

/// The password file's password for this connection (`PGPASSFILE`, else `~/.pgpass`), read the
/// way libpq reads it: `host:port:database:user:password` lines, `*` matches anything, `\`
/// escapes `:` and `\`; `localhost` also matches a Unix socket. Like libpq, a file readable by
/// group or others is ignored (with a warning).
fn passfile_password(config: &postgres::Config) -> Option<String> {
    let path = match std::env::var_os("PGPASSFILE").filter(|p| !p.is_empty()) {
        Some(p) => std::path::PathBuf::from(p),
        None => std::path::PathBuf::from(std::env::var_os("HOME")?).join(".pgpass"),
    };
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "pgward: warning: password file \"{}\" has group or world access; permissions should be u=rw (0600) or less: not used",
                path.display()
            );
            return None;
        }
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let host = match config.get_hosts().first()? {
        Host::Tcp(h) => h.clone(),
        #[cfg(unix)]
        Host::Unix(_) => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let user = config.get_user().unwrap_or("").to_string();
    let db = config.get_dbname().unwrap_or(&user).to_string();
    let wanted = [host.as_str(), port.as_str(), db.as_str(), user.as_str()];
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_passfile_line(line);
        if fields.len() < 5 {
            continue;
        }
        if fields.iter().zip(wanted).all(|(f, w)| f == "*" || f == w) {
            return Some(fields[4..].join(":"));
        }
    }
    None
}

/// A password file line split at unescaped `:` (escapes removed).
fn split_passfile_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next()
                    && let Some(f) = fields.last_mut()
                {
                    f.push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

/// How a connection built from the environment is shown: no password, ever.
fn describe_env(config: &postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => String::new(),
    };
    let port = config
        .get_ports()
        .first()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    format!(
        "postgres://{}@{host}{port}/{} (from the environment)",
        config.get_user().unwrap_or(""),
        config.get_dbname().or(config.get_user()).unwrap_or("")
    )
}

/// libpq's `key=value …` form: starts with a `key=`.
fn is_key_value(text: &str) -> bool {
    text.split_whitespace().next().is_some_and(|first| {
        first.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

/// The password in `scheme://user:password@host…` or a `password=` parameter, percent-decoded.
fn extract_password(raw: &str) -> Option<String> {
    if let Some(rest) = raw.find("://").map(|i| &raw[i + 3..]) {
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        if let Some(at) = authority.rfind('@') {
            let userinfo = &authority[..at];
            if let Some(colon) = userinfo.find(':') {
                let pw = &userinfo[colon + 1..];
                if !pw.is_empty() {
                    return Some(percent_decode(pw));
                }
            }
        }
    }
    // `password=…` as a URL query parameter or a key=value pair.
    for part in raw.split(['?', '&', ' ']) {
        if let Some(v) = part.strip_prefix("password=") {
            let v = v.trim_matches('\'');
            if !v.is_empty() {
                return Some(percent_decode(v));
            }
        }
    }
    None
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Remove a secret from text, both as is and percent-encoded forms that may appear in URLs.
fn redact_secret(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_string();
    }
    let mut out = text.replace(secret, "***");
    let encoded: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if encoded != secret {
        out = out.replace(&encoded, "***");
        out = out.replace(&encoded.to_lowercase(), "***");
    }
    out
}

/// Replace the password part of every `scheme://user:password@` in `text` and every
/// `password=value` parameter, without needing to know the password.
pub fn redact_url_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the first '/', '?', '#' or whitespace; the password may contain
        // '@' only percent-encoded, so the userinfo ends at the LAST '@' of the authority.
        let end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '`')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    redact_password_params(&out)
}

fn redact_password_params(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("password=") {
        let boundary_ok = i == 0
            || rest[..i]
                .chars()
                .last()
                .is_some_and(|c| c == '?' || c == '&' || c.is_whitespace());
        let (head, tail) = rest.split_at(i + "password=".len());
        out.push_str(head);
        if boundary_ok {
            let end = match tail.strip_prefix('\'') {
                // libpq's quoted value (`password='a b'`, `\'` escapes a quote): up to the
                // closing quote, spaces included.
                Some(quoted) => {
                    let mut escaped = false;
                    let close = quoted.char_indices().find(|&(_, c)| {
                        let hit = c == '\'' && !escaped;
                        escaped = c == '\\' && !escaped;
                        hit
                    });
                    close.map_or(tail.len(), |(i, _)| i + 2)
                }
                None => tail
                    .find(|c: char| c == '&' || c.is_whitespace() || c == '`')
                    .unwrap_or(tail.len()),
            };
            if end > 0 {
                out.push_str("***");
            }
            rest = &tail[end..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_redacted_everywhere() {
        let raw = "postgres://app:s3cr%40t@db.example.com:5432/main?sslmode=require";
        let url = DbUrl::parse(raw).unwrap();
        assert_eq!(url.password(), Some("s3cr@t"));
        assert_eq!(
            url.redacted,
            "postgres://app:***@db.example.com:5432/main?sslmode=require"
        );
        assert_eq!(
            url.redact("failed for s3cr@t and s3cr%40t"),
            "failed for *** and ***"
        );
        assert_eq!(url.ssl_mode_str(), "require");
        assert_eq!(url.dbname(), "main");
    }

    #[test]
    fn bad_urls_do_not_leak() {
        for raw in [
            "postgres://app:hunter2@host:notaport/db",
            "postgres://app:hunter2@host/db?sslmode=bogus",
            "mysql://app:hunter2@host/db",
            "postgres://app:hunter2@host/db?password=hunter2&bogus=1",
        ] {
            let err = DbUrl::parse(raw).unwrap_err();
            assert!(!err.contains("hunter2"), "{err}");
        }
        let kv = DbUrl::parse("host=127.0.0.1 user=app password=hunter2 dbname=main").unwrap();
        assert!(!kv.redacted.contains("hunter2"), "{}", kv.redacted);
        assert_eq!(kv.password(), Some("hunter2"));
        // No host: the libpq environment decides (PGHOST, else localhost), as for psql.
        let no_host = DbUrl::parse("postgres://app:hunter2@/db").unwrap();
        assert!(
            !no_host.redacted.contains("hunter2"),
            "{}",
            no_host.redacted
        );
        // Values of unknown keys (a misspelt `passwd`) are never shown.
        assert_eq!(
            mask_unknown_values("host=h passwd=hunter2 user=u"),
            "host=h passwd=*** user=u"
        );
        assert_eq!(
            mask_unknown_values("postgres://u@h/d?sslmode=disable&pwd=hunter2"),
            "postgres://u@h/d?sslmode=disable&pwd=***"
        );
        assert_eq!(
            mask_unknown_values("host=h options='-c x=hunter2 y' user=u"),
            "host=h options=*** user=u"
        );
        assert_eq!(
            redact_url_text("x postgresql://u:p@h/d y password=abc&z"),
            "x postgresql://u:***@h/d y password=***&z"
        );
        // Malformed URLs (a missing `:` or `/`) do not reach the output.
        for raw in [
            "postgres//app:hunter2@host/db",
            "postgres:/app:hunter2@host/db?sslmode=require",
        ] {
            let err = DbUrl::parse(raw).unwrap_err();
            assert!(!err.contains("hunter2"), "{err}");
        }
        // Quoted key=value passwords, spaces included.
        let kv = DbUrl::parse("host=h user=app password='hunter2 x' dbname=main").unwrap();
        assert_eq!(kv.password(), Some("hunter2 x"));
        assert!(!kv.redacted.contains("hunter2"), "{}", kv.redacted);
        assert!(!kv.redacted.contains(" x'"), "{}", kv.redacted);
        // The reason of a refused URL is given.
        let err = DbUrl::parse("postgres://app:hunter2@host/db?sslmode=verify-full").unwrap_err();
        assert!(err.contains("sslmode"), "{err}");
    }
}
