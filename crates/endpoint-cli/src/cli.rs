//! The command line, as clap types.

use clap::{ArgAction, Parser, Subcommand};

use crate::commands::{connect, describe, kinds, listen, relay};

/// Listen on, connect to, and inspect endpoints given as description strings
/// (`tcp:8080`, `unix:/run/app.sock:mode=660`, `tcp:example.com:443`).
#[derive(Debug, Parser)]
#[command(name = "endpoint", version)]
pub struct Cli {
    /// Log more on stderr: -v for info, -vv for debug, -vvv for trace (default: warnings).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

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
}
