//! Log output on stderr: its level set by `-v`/`-q`, or by `RUST_LOG` when that is set.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs a subscriber that writes to stderr: warnings by default, errors only with `-q`,
/// then info, debug and trace for each `-v`. A non-empty `RUST_LOG` (`debug`,
/// `endpoint_tls=trace,warn`: `target=level` directives) replaces all of that, so a
/// supervisor's environment decides without editing the command line.
///
/// Called before the command line is parsed (with [`prescan`]'s counts), because parsing
/// builds the endpoints and a parser may warn (`privateKey= without certKey= is ignored`).
///
/// With `json`, each event is one JSON object on a line (time, level, target, the message
/// and its fields, and the fields of the spans it happened in: relay name, peer, endpoint);
/// secrets are masked there as in every log line, because descriptions are logged by
/// `Display`.
pub fn init(verbosity: u8, quiet: bool, json: bool) {
    record(verbosity, quiet);
    let rust_log = std::env::var("RUST_LOG").ok();
    let (filter, problem) = filter(verbosity, quiet, rust_log.as_deref());
    let builder = tracing_subscriber::fmt()
        .with_max_level(LevelFilter::TRACE)
        .with_writer(std::io::stderr);
    if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .finish()
            .with(filter)
            .init();
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .finish()
            .with(filter)
            .init();
    }
    if let Some(problem) = problem {
        tracing::warn!(%problem, "RUST_LOG is not understood; using -v/-q");
    }
}

/// Records the flags as the command line gave them, for [`verbosity`] and [`quiet`].
pub fn record(verbosity: u8, quiet: bool) {
    VERBOSITY.store(verbosity, Ordering::Relaxed);
    QUIET.store(quiet, Ordering::Relaxed);
}

/// What to log: `RUST_LOG` when it is set and parses, else the level the flags ask for; and
/// why `RUST_LOG` was not used, when it was set but does not parse.
fn filter(verbosity: u8, quiet: bool, rust_log: Option<&str>) -> (Targets, Option<String>) {
    let from_flags = Targets::new().with_default(level(verbosity, quiet));
    match rust_log.map(str::trim).filter(|text| !text.is_empty()) {
        None => (from_flags, None),
        Some(text) => match Targets::from_str(text) {
            Ok(targets) => (targets, None),
            Err(error) => (from_flags, Some(format!("{text:?}: {error}"))),
        },
    }
}

/// The level `-v`/`-q` ask for.
fn level(verbosity: u8, quiet: bool) -> LevelFilter {
    match (quiet, verbosity) {
        (true, _) => LevelFilter::ERROR,
        (false, 0) => LevelFilter::WARN,
        (false, 1) => LevelFilter::INFO,
        (false, 2) => LevelFilter::DEBUG,
        (false, _) => LevelFilter::TRACE,
    }
}

/// Counts `-v`/`--verbose` and finds `-q`/`--quiet` in the command line (program name
/// first) before clap parses it, up to a `--`.
///
/// Parsing builds the endpoints, so logging must be set up first. No option of the command
/// takes a value that starts with `-`, so every word that starts with a single `-` is a
/// cluster of short flags. As clap does for a global counter, `-v` flags written after the
/// subcommand replace those before it; a test checks this agrees with clap.
pub fn prescan(args: impl IntoIterator<Item = OsString>) -> (u8, bool) {
    // [before the subcommand, after it]
    let mut counts = [0u8; 2];
    let mut level = 0;
    let mut quiet = false;
    for arg in args.into_iter().skip(1) {
        let Some(arg) = arg.to_str() else { continue };
        let count = &mut counts[level];
        match arg {
            "--" => break,
            "--verbose" => *count = count.saturating_add(1),
            "--quiet" => quiet = true,
            _ if arg.starts_with("--") => {}
            _ => match arg.strip_prefix('-') {
                Some(flags) if flags.bytes().all(|b| b.is_ascii_alphabetic()) => {
                    for flag in flags.bytes() {
                        match flag {
                            b'v' => *count = count.saturating_add(1),
                            b'q' => quiet = true,
                            _ => {}
                        }
                    }
                }
                // The first word that is not an option names the subcommand.
                _ => level = 1,
            },
        }
    }
    let verbosity = if counts[1] > 0 { counts[1] } else { counts[0] };
    (verbosity, quiet)
}

/// True when the command line asks for `--log-format json` (or `--log-format=json`), found
/// before clap parses it, as [`prescan`] does for `-v`.
pub fn prescan_json(args: impl IntoIterator<Item = OsString>) -> bool {
    let mut json = false;
    let mut value_next = false;
    for arg in args.into_iter().skip(1) {
        let Some(arg) = arg.to_str() else { continue };
        if value_next {
            json = arg == "json";
            value_next = false;
        } else if arg == "--" {
            break;
        } else if arg == "--log-format" {
            value_next = true;
        } else if let Some(value) = arg.strip_prefix("--log-format=") {
            json = value == "json";
        }
    }
    json
}

static VERBOSITY: AtomicU8 = AtomicU8::new(0);
static QUIET: AtomicBool = AtomicBool::new(false);

/// How many `-v` flags were given: status lines for people (`relaying ...`) are written only
/// from 1 on, so that at the default level stderr carries warnings and errors alone (under
/// inetd-style supervisors it may be the socket itself).
pub fn verbosity() -> u8 {
    VERBOSITY.load(Ordering::Relaxed)
}

/// True with `-q`: stderr carries errors only, no notes or status lines.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_overrides_the_flags() {
        let (targets, problem) = filter(0, true, Some("debug"));
        assert_eq!(targets.default_level(), Some(LevelFilter::DEBUG));
        assert!(problem.is_none());
        let (targets, _) = filter(3, false, Some("endpoint_tls=trace"));
        assert!(targets.would_enable("endpoint_tls::client", &tracing::Level::TRACE));
        assert!(!targets.would_enable("endpoint_core", &tracing::Level::ERROR));
    }

    #[test]
    fn flags_decide_without_rust_log() {
        for (verbosity, quiet, rust_log, expected) in [
            (0, false, None, LevelFilter::WARN),
            (1, false, None, LevelFilter::INFO),
            (2, false, Some(""), LevelFilter::DEBUG),
            (7, false, None, LevelFilter::TRACE),
            (0, true, Some("  "), LevelFilter::ERROR),
        ] {
            let (targets, problem) = filter(verbosity, quiet, rust_log);
            assert_eq!(targets.default_level(), Some(expected));
            assert!(problem.is_none());
        }
    }

    #[test]
    fn a_bad_rust_log_falls_back_to_the_flags() {
        let (targets, problem) = filter(1, false, Some("endpoint=loud"));
        assert_eq!(targets.default_level(), Some(LevelFilter::INFO));
        assert!(problem.is_some_and(|p| p.contains("endpoint=loud")));
    }

    #[test]
    fn prescan_finds_the_log_format() {
        let words = |line: &str| line.split(' ').map(OsString::from).collect::<Vec<_>>();
        assert!(prescan_json(words("endpoint --log-format json serve f")));
        assert!(prescan_json(words("endpoint serve --log-format=json f")));
        assert!(!prescan_json(words("endpoint serve --log-format text f")));
        assert!(!prescan_json(words(
            "endpoint describe -- --log-format=json"
        )));
    }

    #[test]
    fn prescan_agrees_with_clap() {
        use clap::Parser;
        for line in [
            "endpoint kinds",
            "endpoint -v kinds",
            "endpoint -vv describe tcp:80",
            "endpoint describe -vvv --json tcp:80",
            "endpoint --verbose relay -v --grace 5s tcp:0 tcp:localhost:1",
            "endpoint -q kinds",
            "endpoint kinds --quiet",
            "endpoint describe --server -- -v",
            "endpoint -vv kinds -v",
            "endpoint -v kinds -vv",
            "endpoint -v kinds -q",
        ] {
            let words: Vec<OsString> = line.split(' ').map(OsString::from).collect();
            let cli = crate::cli::Cli::try_parse_from(&words).expect(line);
            assert_eq!(prescan(words), (cli.verbose, cli.quiet), "{line}");
        }
    }
}
