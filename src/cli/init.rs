//! `pgward init`: write a starter pgward.toml.

use super::{EXIT_ERROR, EXIT_OK, error, warning};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct InitArgs {}
pub(super) fn run(_args: &InitArgs) -> u8 {
    let path = Path::new(crate::config::CONFIG_FILE_NAME);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let (text, detected) = crate::init::template_for(&cwd);
    match crate::init::write_template(path, &text) {
        Ok(()) => {
            match crate::init::ignore_cache_dir(&cwd) {
                Ok(true) => println!(
                    "Added /{}/ (pgward's check cache) to .gitignore.",
                    crate::engine::cache::DIR_NAME
                ),
                Ok(false) => {}
                Err(e) => warning(format!(".gitignore: cannot add the cache directory: {e}")),
            }
            match &detected {
                Some(d) => println!("Detected runner: {} (from {}).", d.runner, d.evidence),
                None => println!(
                    "No migration runner detected: set `runner` in {} (psql is assumed).",
                    path.display()
                ),
            }
            println!(
                "Wrote {}. Next: list your protected tables under [protected], check \
                 `migrations_dir`, then run `pgward check`.",
                path.display()
            );
            EXIT_OK
        }
        Err(crate::init::InitError::Exists) => {
            error(format!(
                "{} already exists; not overwriting it",
                path.display()
            ));
            EXIT_ERROR
        }
        Err(crate::init::InitError::Io(e)) => {
            error(format!("{}: cannot write: {e}", path.display()));
            EXIT_ERROR
        }
    }
}
