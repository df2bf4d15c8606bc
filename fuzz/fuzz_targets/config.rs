//! The config loader on any text: a value or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = pgward::Config::from_toml(text, std::path::Path::new("pgward.toml")) {
        let _ = e.to_string();
    }
});
