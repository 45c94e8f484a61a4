//! The command line, as clap types.

use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, ValueEnum};

use crate::commands::Command;

/// Listen on, connect to, and inspect endpoints given as description strings
/// (`tcp:8080`, `unix:/run/app.sock:mode=660`, `tcp:example.com:443`).
#[derive(Debug, Parser)]
#[command(
    name = "endpoint",
    version,
    after_help = "`endpoint kinds` lists every kind and its options (`endpoint kinds tcp` one); \
                  `endpoint describe DESC` shows what a description means, defaults filled in."
)]
#[non_exhaustive]
pub struct Cli {
    /// Log more on stderr: -v for info, -vv for debug, -vvv for trace (default: warnings).
    /// A non-empty RUST_LOG (`debug`, `endpoint_tls=trace,warn`) overrides -v and -q.
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Only errors on stderr: no warnings, notes or status lines (`listening on ...`).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// How log lines look: `text` for people, `json` for collectors (one object a line:
    /// time, level, target, message, and the fields of the spans, such as the relay's name
    /// and the peer).
    #[arg(long, value_enum, global = true, default_value = "text")]
    pub log_format: LogFormat,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The format of log lines on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// For people: one line per event.
    Text,
    /// For collectors: one JSON object per line.
    Json,
}

impl Cli {
    /// Parses the process's arguments as [`Parser::parse`] does, with `--version` showing
    /// what this build links (kinds, layers, features: [`crate::build_info::long_version`]);
    /// `-V` stays one line. Exits on a usage error, `--help` or `--version`.
    pub fn parse_with_build_info() -> Self {
        let command = || {
            Cli::command().long_version(crate::build_info::long_version(
                endpoints::Registry::global(),
            ))
        };
        let mut matches = command().get_matches();
        Cli::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.format(&mut command()).exit())
    }
}
