use super::ReportOptions;
use crate::engine::CheckOutput;
use std::io::{self, Write};

pub fn render(output: &CheckOutput, options: &ReportOptions, w: &mut dyn Write) -> io::Result<()> {
    let _ = (output, options, w);
    Ok(())
}
