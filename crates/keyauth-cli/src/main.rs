//! `keyauth`: every keyauth scheme from the shell (the body is the `keyauth_cli` library).

fn main() -> std::process::ExitCode {
    keyauth_cli::run()
}
