// TEMPORARY (apply branch): only `apply` and `status`, until the main CLI wires them in.
use clap::{Parser, Subcommand};
use pgward::apply::cli::{ApplyArgs, StatusArgs, run_apply, run_status};

#[derive(Parser)]
#[command(name = "pgward", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Apply(ApplyArgs),
    Status(StatusArgs),
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let code = match &cli.command {
        Command::Apply(a) => run_apply(a),
        Command::Status(s) => run_status(s),
    };
    std::process::exit(code);
}
