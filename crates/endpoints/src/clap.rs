//! Descriptions as command-line arguments, with [clap](https://docs.rs/clap) (the `clap`
//! feature).
//!
//! [`ServerDescription`] and [`ClientDescription`] are argument types as they are: clap's
//! `value_parser!` finds [`ServerValueParser`] / [`ClientValueParser`] through
//! `ValueParserFactory`, so a field `listen: ServerDescription` is parsed with the registry
//! and a bad string is refused while the command line is read, with the library's message
//! (the position, what was expected, a likely fix) and a caret under the bad byte, exit
//! status 2. [`kinds_help`] writes the kinds a user may choose from, for `long_help` or
//! `after_help`.
//!
//! ```
//! use clap::Parser;
//! use endpoints::{ClientDescription, ServerDescription, Side};
//!
//! /// Forward connections.
//! #[derive(Parser)]
//! struct Args {
//!     /// Where to listen, e.g. `tcp:8080` or `unix:/run/app.sock`.
//!     #[arg(long, value_name = "DESCRIPTION",
//!           long_help = endpoints::clap::help("Where to listen.", Side::Server))]
//!     listen: ServerDescription,
//!     /// Where to forward each connection, e.g. `tcp:localhost:80`.
//!     #[arg(long, value_name = "DESCRIPTION")]
//!     connect: Option<ClientDescription>,
//! }
//!
//! let error = Args::try_parse_from(["app", "--listen", "tpc:8080"]).err().unwrap();
//! assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation);
//! let message = error.to_string();
//! assert!(message.contains("invalid value for '--listen <DESCRIPTION>': unknown server endpoint kind \"tpc\""));
//! assert!(message.contains("\n  tpc:8080\n  ^\n"));
//! ```
//!
//! A program that parses with a registry of its own (say, [`Registry::allow_only`]) names it
//! with `value_parser = ServerValueParser::with_registry(registry)`.
//!
//! The value parsers live in `endpoint-core` (clap's `ValueParserFactory` must be implemented
//! next to the description types); the help text is here.

#[cfg(doc)]
use endpoint_core::{ClientDescription, ServerDescription};
use endpoint_core::{Registry, Side};

pub use endpoint_core::clap::{ClientValueParser, ServerValueParser};

/// The kinds of [`Registry::global`] a `side` description may start with, for help text:
///
/// ```text
/// Kinds: ssl, stdio, systemd, tcp, tcp6, tls, unix, ws, wss
/// Layers (LAYER+DESCRIPTION): haproxy+, sni+, tls+, ws+
/// URL forms: ws://, wss://
/// ```
///
/// Lines with nothing to list are left out; shorthands (`ws`, `wss`) count as kinds.
///
/// # Examples
/// ```
/// use endpoints::Side;
/// // Every transport linked into the program is listed.
/// assert!(endpoints::clap::kinds_help(Side::Server).starts_with("Kinds: "));
/// ```
pub fn kinds_help(side: Side) -> String {
    kinds_help_for(Registry::global(), side)
}

/// [`kinds_help`] for the kinds of `registry`.
///
/// # Examples
/// ```
/// use endpoints::core::{Kind, Registry, Side};
/// # fn parse(_: endpoints::core::description::Args) -> endpoints::core::Result<std::sync::Arc<dyn endpoints::core::ServerEndpoint>> { unimplemented!() }
/// let mut registry = Registry::new();
/// for name in ["tcp", "unix"] {
///     registry.register(Kind::server(name, "", &[], parse));
/// }
/// assert_eq!(endpoints::clap::kinds_help_for(&registry, Side::Server), "Kinds: tcp, unix");
/// assert_eq!(endpoints::clap::kinds_help_for(&registry, Side::Client), "Kinds: none registered");
/// ```
pub fn kinds_help_for(registry: &Registry, side: Side) -> String {
    let on_side = registry.kinds().iter().filter(|k| k.side() == side);
    let mut kinds: Vec<&str> = on_side
        .clone()
        .filter(|k| !k.is_layer())
        .map(|k| k.name)
        .chain(
            registry
                .shorthands()
                .iter()
                .filter(|s| s.side == side)
                .map(|s| s.name),
        )
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let layers: Vec<String> = on_side
        .filter(|k| k.is_layer())
        .map(|k| format!("{}+", k.name))
        .collect();
    let urls: Vec<String> = registry
        .url_forms()
        .iter()
        .map(|u| format!("{}://", u.scheme))
        .collect();
    let mut lines = vec![if kinds.is_empty() {
        "Kinds: none registered".to_owned()
    } else {
        format!("Kinds: {}", kinds.join(", "))
    }];
    if !layers.is_empty() {
        lines.push(format!("Layers (LAYER+DESCRIPTION): {}", layers.join(", ")));
    }
    if !urls.is_empty() {
        lines.push(format!("URL forms: {}", urls.join(", ")));
    }
    lines.join("\n")
}

/// `text`, a blank line, then [`kinds_help`] for `side`: a whole `long_help` for a
/// description argument.
pub fn help(text: &str, side: Side) -> String {
    format!("{text}\n\n{}", kinds_help(side))
}
