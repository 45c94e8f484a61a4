//! One module per subcommand; each has its clap arguments and a `run` function.

pub mod completions;
pub mod connect;
pub mod describe;
pub mod kinds;
pub mod listen;
pub mod man;
pub mod relay;
pub mod routes;
pub mod serve;
pub mod tls;

use clap::Subcommand;

use crate::failure::Failure;

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a description's canonical form and every option, defaults filled in.
    Describe(describe::DescribeArgs),
    /// List every registered endpoint kind with its options.
    Kinds(kinds::KindsArgs),
    /// Accept one connection and join it to stdin/stdout (like `nc -l`).
    Listen(listen::ListenArgs),
    /// Connect and join the connection to stdin/stdout (like `nc`).
    Connect(connect::ConnectArgs),
    /// Forward every accepted connection to a new client connection (like socat).
    Relay(relay::RelayArgs),
    /// Run every relay of a TOML file; SIGHUP reloads it; metrics and readiness.
    Serve(serve::ServeArgs),
    /// TLS helpers: `tls pin FILE|DESCRIPTION` prints a certificate's pin for `pin=`.
    Tls(tls::TlsArgs),
    /// Print a shell completion script: `source <(endpoint completions bash)`.
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff): `endpoint man | man -l -`.
    Man(man::ManArgs),
}

/// Runs one subcommand to completion. `definition` builds the whole command line's clap
/// definition, which `completions` and `man` render (passed in, since the `Cli` type holds
/// these commands).
///
/// # Errors
/// Whatever the subcommand fails with; [`Failure::report`] turns it into an exit status.
pub async fn run(command: Command, definition: fn() -> clap::Command) -> Result<(), Failure> {
    match command {
        Command::Describe(args) => describe::run(&args),
        Command::Kinds(args) => kinds::run(&args),
        Command::Listen(args) => listen::run(&args).await,
        Command::Connect(args) => connect::run(&args).await,
        Command::Relay(args) => relay::run(&args).await,
        Command::Serve(args) => serve::run(&args).await,
        Command::Tls(args) => tls::run(&args).await,
        Command::Completions(args) => completions::run(&args, definition()),
        Command::Man(args) => man::run(&args, definition()),
    }
}
