//! The database session of a run: connecting (notices printed as they arrive) and the
//! interrupt handler that cancels the running query.

use super::url::{self, DbUrl};
use postgres::Client;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What the Ctrl-C handler needs to cancel the running query.
pub(crate) type CancelSlot = Arc<Mutex<Option<(postgres::CancelToken, super::url::TlsConnector)>>>;

pub(crate) struct Interrupt {
    pub flag: Arc<AtomicBool>,
    pub slot: CancelSlot,
}

/// Install the Ctrl-C handler (once per process, shared by every run): set the flag and cancel
/// the running query; the statement then fails, and the run rolls back and releases the lock.
pub(crate) fn interrupt() -> Interrupt {
    static SHARED: std::sync::OnceLock<(Arc<AtomicBool>, CancelSlot)> = std::sync::OnceLock::new();
    let (flag, slot) = SHARED.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let slot: CancelSlot = Arc::new(Mutex::new(None));
        let (f, s) = (flag.clone(), slot.clone());
        let _ = ctrlc::set_handler(move || {
            f.store(true, Ordering::SeqCst);
            eprintln!("\ninterrupted (signal): cancelling the running statement and rolling back…");
            if let Ok(guard) = s.lock()
                && let Some((token, tls)) = guard.as_ref()
            {
                let _ = token.cancel_query(tls.clone());
            }
        });
        (flag, slot)
    });
    // A new run starts uninterrupted, with nothing to cancel yet.
    flag.store(false, Ordering::SeqCst);
    if let Ok(mut guard) = slot.lock() {
        *guard = None;
    }
    Interrupt {
        flag: flag.clone(),
        slot: slot.clone(),
    }
}

/// Connect with notices printed as they arrive (`RAISE NOTICE` / `WARNING`).
pub fn connect(url: &DbUrl) -> Result<(Client, super::url::TlsConnector), String> {
    let tls = url::tls_connector()?;
    let mut config = url.config.clone();
    config.notice_callback(|notice| {
        // pgward's own cleanup ROLLBACK outside a transaction: not the migration's business.
        if notice.code() == &postgres::error::SqlState::NO_ACTIVE_SQL_TRANSACTION {
            return;
        }
        eprintln!("{}: {}", notice.severity(), notice.message());
    });
    // `connect_timeout` of the driver bounds only the TCP connect; a server that accepts and
    // never answers would hang the TLS and startup handshake forever. The whole set-up runs on
    // a thread and is given up after the timeout (the thread is left to die with the process).
    let timeout = url.connect_timeout();
    let (tx, rx) = std::sync::mpsc::channel();
    let connector = tls.clone();
    std::thread::spawn(move || {
        let _ = tx.send(config.connect(connector));
    });
    let result = match rx.recv_timeout(timeout + std::time::Duration::from_millis(500)) {
        Ok(r) => r,
        Err(_) => {
            return Err(url.redact(&format!(
                "cannot connect to {}: the server did not answer within {} s (connect_timeout; \
                 set it in the URL or PGCONNECT_TIMEOUT)",
                url.redacted,
                timeout.as_secs()
            )));
        }
    };
    let client = result.map_err(|e| {
        let mut msg = format!("cannot connect to {}: {e}", url.redacted);
        if let Some(source) = std::error::Error::source(&e) {
            let s = source.to_string();
            if !msg.contains(&s) {
                msg.push_str(&format!(" ({s})"));
            }
        }
        url.redact(&msg)
    })?;
    Ok((client, tls))
}

/// Start a migration file from a clean session, as if it were the first: `RESET ALL` and
/// `RESET ROLE` undo what an earlier file `SET` (`search_path`, `role`, any setting), then the
/// configured `[apply] role` and `search_path` apply. Inside the file's transaction when it has
/// one, so a failed file leaves the session as it was.
pub fn clean_session(
    client: &mut Client,
    config: &crate::config::Config,
) -> Result<(), postgres::Error> {
    let mut sql = String::from("RESET ALL; RESET ROLE;");
    if let Some(role) = &config.apply.role {
        sql.push_str(&format!(
            " SET ROLE {};",
            super::preflight::quote_ident(role)
        ));
    }
    if let Some(path) = &config.apply.search_path {
        let list: Vec<String> = path
            .iter()
            .map(|s| super::preflight::quote_ident(s))
            .collect();
        if list.is_empty() {
            sql.push_str(" SET search_path = '';");
        } else {
            sql.push_str(&format!(" SET search_path = {};", list.join(", ")));
        }
    }
    client.batch_execute(&sql)
}
