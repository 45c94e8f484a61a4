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
//! use endpoint_core::{ClientDescription, ServerDescription, Side};
//!
//! /// Forward connections.
//! #[derive(Parser)]
//! struct Args {
//!     /// Where to listen, e.g. `tcp:8080` or `unix:/run/app.sock`.
//!     #[arg(long, value_name = "DESCRIPTION",
//!           long_help = endpoint_core::clap::help("Where to listen.", Side::Server))]
//!     listen: ServerDescription,
//!     /// Where to forward each connection, e.g. `tcp:localhost:80`.
//!     #[arg(long, value_name = "DESCRIPTION")]
//!     connect: Option<ClientDescription>,
//! }
//!
//! // This crate links no transport, so every kind is unknown here; with the `endpoints`
//! // facade, `tcp:8080` parses.
//! let error = Args::try_parse_from(["app", "--listen", "tpc:8080"]).err().unwrap();
//! assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation);
//! let message = error.to_string();
//! assert!(message.contains("invalid value for '--listen <DESCRIPTION>': unknown server endpoint kind \"tpc\""));
//! assert!(message.contains("\n  tpc:8080\n  ^\n"));
//! ```
//!
//! A program that parses with a registry of its own (say, [`Registry::allow_only`]) names it
//! with `value_parser = ServerValueParser::with_registry(registry)`.

use std::ffi::OsStr;

use ::clap::builder::{TypedValueParser, ValueParserFactory};
use ::clap::error::ErrorKind;
use ::clap::{Arg, Command};

use crate::error::Error;
use crate::registry::Registry;
use crate::side::Side;
use crate::value::{ClientDescription, ServerDescription};

/// Parses a command-line value as a server description, into a [`ServerDescription`].
///
/// The default for a `ServerDescription` field; name it to parse with a registry other than
/// [`Registry::global`].
#[derive(Clone, Debug, Default)]
pub struct ServerValueParser {
    registry: Option<Registry>,
}

/// Parses a command-line value as a client description, into a [`ClientDescription`]; see
/// [`ServerValueParser`].
#[derive(Clone, Debug, Default)]
pub struct ClientValueParser {
    registry: Option<Registry>,
}

impl ServerValueParser {
    /// Parses with [`Registry::global`], every kind linked into the program.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses with `registry`, for programs that restrict or extend the kinds.
    pub fn with_registry(registry: Registry) -> Self {
        ServerValueParser {
            registry: Some(registry),
        }
    }
}

impl ClientValueParser {
    /// Parses with [`Registry::global`], every kind linked into the program.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses with `registry`, for programs that restrict or extend the kinds.
    pub fn with_registry(registry: Registry) -> Self {
        ClientValueParser {
            registry: Some(registry),
        }
    }
}

impl TypedValueParser for ServerValueParser {
    type Value = ServerDescription;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<ServerDescription, ::clap::Error> {
        let text = utf8(cmd, arg, value)?;
        let registry = self.registry.as_ref().unwrap_or_else(|| Registry::global());
        registry
            .server(text)
            .map(ServerDescription::from_endpoint)
            .map_err(|error| invalid(cmd, arg, &error))
    }
}

impl TypedValueParser for ClientValueParser {
    type Value = ClientDescription;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<ClientDescription, ::clap::Error> {
        let text = utf8(cmd, arg, value)?;
        let registry = self.registry.as_ref().unwrap_or_else(|| Registry::global());
        registry
            .client(text)
            .map(ClientDescription::from_endpoint)
            .map_err(|error| invalid(cmd, arg, &error))
    }
}

impl ValueParserFactory for ServerDescription {
    type Parser = ServerValueParser;

    fn value_parser() -> ServerValueParser {
        ServerValueParser::new()
    }
}

impl ValueParserFactory for ClientDescription {
    type Parser = ClientValueParser;

    fn value_parser() -> ClientValueParser {
        ClientValueParser::new()
    }
}

/// The value as text: descriptions are UTF-8.
fn utf8<'a>(cmd: &Command, arg: Option<&Arg>, value: &'a OsStr) -> Result<&'a str, ::clap::Error> {
    value.to_str().ok_or_else(|| {
        let what = arg.map_or_else(|| "a description".to_owned(), |arg| format!("'{arg}'"));
        ::clap::Error::raw(
            ErrorKind::InvalidUtf8,
            format!("{what} is not UTF-8, and descriptions are text"),
        )
        .format(&mut cmd.clone())
    })
}

/// clap's error for a description the registry refused: the argument, the library's
/// message, and its caret line.
fn invalid(cmd: &Command, arg: Option<&Arg>, error: &Error) -> ::clap::Error {
    let mut message = match arg {
        Some(arg) => format!("invalid value for '{arg}': {error}"),
        None => error.to_string(),
    };
    if let Some(caret) = error.caret() {
        message.push('\n');
        message.push_str(&caret);
    }
    ::clap::Error::raw(ErrorKind::ValueValidation, message).format(&mut cmd.clone())
}

/// The kinds of [`Registry::global`] a `side` description may start with, for help text:
///
/// ```text
/// Kinds: ssl, stdio, systemd, tcp, tcp6, tls, unix, ws, wss
/// Layers (LAYER+DESCRIPTION): haproxy+, tls+, ws+
/// URL forms: ws://, wss://
/// ```
///
/// Lines with nothing to list are left out; shorthands (`ws`, `wss`) count as kinds.
///
/// # Examples
/// ```
/// use endpoint_core::Side;
/// // With no transport linked there is nothing to choose from.
/// assert_eq!(endpoint_core::clap::kinds_help(Side::Server), "Kinds: none registered");
/// ```
pub fn kinds_help(side: Side) -> String {
    kinds_help_for(Registry::global(), side)
}

/// [`kinds_help`] for the kinds of `registry`.
///
/// # Examples
/// ```
/// use endpoint_core::{Kind, Registry, Side};
/// # fn parse(_: endpoint_core::description::Args) -> endpoint_core::Result<std::sync::Arc<dyn endpoint_core::ServerEndpoint>> { unimplemented!() }
/// let mut registry = Registry::new();
/// for name in ["tcp", "unix"] {
///     registry.register(Kind::server(name, "", &[], parse));
/// }
/// assert_eq!(endpoint_core::clap::kinds_help_for(&registry, Side::Server), "Kinds: tcp, unix");
/// assert_eq!(endpoint_core::clap::kinds_help_for(&registry, Side::Client), "Kinds: none registered");
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
