fn main() {
    // Minimal arm for the language server until the CLI lands (the lead wires `lsp` there).
    if std::env::args().nth(1).as_deref() == Some("lsp") {
        std::process::exit(pgward::lsp::run_stdio());
    }
    std::process::exit(2);
}
