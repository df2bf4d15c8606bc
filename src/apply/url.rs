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
        let redacted = redact_url_text(raw);
        let password = extract_password(raw);
        let scrub = |msg: String| -> String {
            let msg = redact_url_text(&msg);
            match &password {
                Some(p) => redact_secret(&msg, p),
                None => msg,
            }
        };
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("the database URL is empty".to_string());
        }
        let looks_like_url = trimmed.contains("://");
        if looks_like_url
            && !(trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://"))
        {
            return Err(format!(
                "invalid database URL `{redacted}`: expected a postgres:// or postgresql:// URL"
            ));
        }
        let mut config: postgres::Config = trimmed.parse().map_err(|e: postgres::Error| {
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
        if config.get_hosts().is_empty() {
            return Err(format!(
                "invalid database URL `{redacted}`: no host (expected postgres://user:password@host:port/dbname)"
            ));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("pgward");
        }
        // The parser's view of the password is authoritative (quoted key=value values, URL
        // userinfo with unencoded `/`); our own extraction is the fallback.
        let password = config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .or(password);
        Ok(DbUrl {
            config,
            password,
            redacted,
        })
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
        assert!(DbUrl::parse("postgres://app:hunter2@/db").is_err());
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
