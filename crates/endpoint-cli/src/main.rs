//! The `endpoint` command: describe endpoint descriptions, list the registered kinds, and
//! listen on, connect to or relay between any endpoints, like netcat and socat.
//!
//! Exit status: 0 on success, 2 for a bad description (or bad command line), 1 for anything
//! that failed at run time (could not listen, connection refused, ...).

mod cli;
mod commands;
mod failure;
mod limits;
mod logging;
mod output;
mod pipe;
mod stats;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;

// A third-party kind is one dependency and this one line: the linker then keeps the plugin
// crate, whose `inventory` registrations make `throttle+...` work in every command.
#[cfg(feature = "throttle")]
use endpoint_throttle as _;

fn main() -> ExitCode {
    // Before parsing: parsing builds the endpoints, and their parsers may log warnings.
    let (verbosity, quiet) = logging::prescan(std::env::args_os());
    logging::init(verbosity, quiet);
    let cli = Cli::parse();
    logging::record(cli.verbose, cli.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("endpoint: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(commands::run(cli.command));
    // Reading stdin blocks a thread that cannot be interrupted; do not wait for it.
    runtime.shutdown_background();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
