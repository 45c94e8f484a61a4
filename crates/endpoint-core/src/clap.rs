//! Descriptions as command-line arguments, with [clap](https://docs.rs/clap) (the `clap`
//! feature): [`ServerDescription`] and [`ClientDescription`] are argument types as they are.
//!
//! clap's `value_parser!` finds [`ServerValueParser`] / [`ClientValueParser`] through
//! `ValueParserFactory`, so a bad string is refused while the command line is read, with the
//! library's message and a caret under the bad byte (exit status 2). Only these parsers live
//! here, because the orphan rule wants `ValueParserFactory` next to the description types;
//! the guide, with an example, and `kinds_help` for help text are `endpoints::clap`.

use std::ffi::OsStr;

use ::clap::builder::{TypedValueParser, ValueParserFactory};
use ::clap::error::ErrorKind;
use ::clap::{Arg, Command};

use crate::error::Error;
use crate::registry::Registry;
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
