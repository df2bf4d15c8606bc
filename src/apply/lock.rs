//! The advisory lock that keeps two applies from running at once.
//!
//! Polled with `pg_try_advisory_lock`: a session blocked in `pg_advisory_lock` would hold a
//! virtual transaction that the lock holder's `CREATE INDEX CONCURRENTLY` waits for — a deadlock.

use postgres::Client;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A fixed key: every pgward on a database contends for the same lock.
/// (The bytes of "pgwardlk" as a big-endian i64.)
pub const LOCK_KEY: i64 = 0x7067_7761_7264_6c6b;

pub enum LockOutcome {
    Acquired { waited: Duration },
    TimedOut,
    Interrupted,
}

/// Poll for the lock until `wait` has passed. `on_wait` is called once, when the first try fails.
pub fn acquire(
    client: &mut Client,
    wait: Duration,
    interrupted: &AtomicBool,
    mut on_wait: impl FnMut(),
) -> Result<LockOutcome, postgres::Error> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(50);
    let mut told = false;
    loop {
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])?
            .try_get(0)?;
        if got {
            return Ok(LockOutcome::Acquired {
                waited: start.elapsed(),
            });
        }
        if !told {
            on_wait();
            told = true;
        }
        let elapsed = start.elapsed();
        if elapsed >= wait {
            return Ok(LockOutcome::TimedOut);
        }
        if interrupted.load(Ordering::SeqCst) {
            return Ok(LockOutcome::Interrupted);
        }
        std::thread::sleep(delay.min(wait - elapsed));
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}

pub fn release(client: &mut Client) {
    // Best effort: the server releases it anyway when the session ends.
    let _ = client.query_one("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY]);
}
