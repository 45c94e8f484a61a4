//! One module per subcommand; each has its clap arguments and a `run` function.

pub mod connect;
pub mod describe;
pub mod kinds;
pub mod listen;
pub mod relay;

use crate::cli::Command;
use crate::failure::Failure;

/// Runs one subcommand to completion.
///
/// # Errors
/// Whatever the subcommand fails with; [`Failure::report`] turns it into an exit status.
pub async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Describe(args) => describe::run(&args),
        Command::Kinds(args) => kinds::run(&args),
        Command::Listen(args) => listen::run(&args).await,
        Command::Connect(args) => connect::run(&args).await,
        Command::Relay(args) => relay::run(&args).await,
    }
}
