//! Kinds as data: name, side, summary, options, parser; and the rewrites (URL forms,
//! shorthands) that turn other spellings into descriptions of kinds.

use std::sync::Arc;

use crate::description::Args;
use crate::endpoint::{ClientEndpoint, ServerEndpoint};
use crate::error::Result;
use crate::option::OptionSpec;
use crate::side::Side;

/// Parses a base server kind's arguments.
pub type ServerParser = fn(Args) -> Result<Arc<dyn ServerEndpoint>>;
/// Parses a base client kind's arguments.
pub type ClientParser = fn(Args) -> Result<Arc<dyn ClientEndpoint>>;
/// Parses a server layer's options and wraps the inner endpoint.
pub type ServerLayerParser = fn(Args, Arc<dyn ServerEndpoint>) -> Result<Arc<dyn ServerEndpoint>>;
/// Parses a client layer's options and wraps the inner endpoint.
pub type ClientLayerParser = fn(Args, Arc<dyn ClientEndpoint>) -> Result<Arc<dyn ClientEndpoint>>;

/// What a kind builds, which also says its side and whether it is a layer.
#[derive(Clone, Copy, Debug)]
pub enum Builder {
    /// A base kind that listens.
    Server(ServerParser),
    /// A base kind that connects.
    Client(ClientParser),
    /// A layer over any server endpoint (`tls+...`).
    ServerLayer(ServerLayerParser),
    /// A layer over any client endpoint.
    ClientLayer(ClientLayerParser),
}

/// A registered kind or layer: everything `endpoint kinds`, help and errors show, and its
/// parser. Transport crates submit these with `inventory::submit!`.
///
/// # Examples
/// ```
/// use endpoint_core::{Builder, Kind, OptionSpec, OptionType};
/// # fn parse(args: endpoint_core::description::Args) -> endpoint_core::Result<std::sync::Arc<dyn endpoint_core::ServerEndpoint>> { unimplemented!() }
/// static OPTIONS: &[OptionSpec] = &[OptionSpec::new("port", OptionType::Port, "port to listen on")];
/// let kind = Kind {
///     name: "mine",
///     summary: "my transport",
///     positional: &["port"],
///     options: OPTIONS,
///     builder: Builder::Server(parse),
/// };
/// // inventory::submit! { kind } registers it for every program that links the crate.
/// assert!(!kind.is_layer());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Kind {
    /// The kind's name (matched case-insensitively).
    pub name: &'static str,
    /// One line saying what it is.
    pub summary: &'static str,
    /// The options its canonical description writes positionally, in order.
    pub positional: &'static [&'static str],
    /// Every option it takes.
    pub options: &'static [OptionSpec],
    /// Its parser.
    pub builder: Builder,
}

impl Kind {
    /// The side this kind is for.
    pub fn side(&self) -> Side {
        match self.builder {
            Builder::Server(_) | Builder::ServerLayer(_) => Side::Server,
            Builder::Client(_) | Builder::ClientLayer(_) => Side::Client,
        }
    }

    /// True for layers (`tls+...`), false for base kinds.
    pub fn is_layer(&self) -> bool {
        matches!(
            self.builder,
            Builder::ServerLayer(_) | Builder::ClientLayer(_)
        )
    }

    /// The spec of option `name`, if the kind takes it.
    pub fn option(&self, name: &str) -> Option<&'static OptionSpec> {
        self.options.iter().find(|o| o.name == name)
    }

    /// A usage line naming the positional arguments: `tcp:PORT`, `tls+...`.
    pub fn usage(&self) -> String {
        let mut usage = if self.is_layer() {
            format!("{}+...", self.name)
        } else {
            self.name.to_owned()
        };
        for p in self.positional {
            usage.push_str(&format!(":{}", p.to_uppercase()));
        }
        usage
    }
}

inventory::collect!(Kind);

/// A URL form (`ws://host/path`): a scheme and how to rewrite such a URL as a description.
#[derive(Clone, Copy, Debug)]
pub struct UrlForm {
    /// The URL scheme, without `://` (matched case-insensitively).
    pub scheme: &'static str,
    /// One line saying what it means.
    pub summary: &'static str,
    /// Rewrites the whole URL into an equivalent description for `side`.
    pub rewrite: fn(&str, Side) -> Result<String>,
}

inventory::collect!(UrlForm);

/// A shorthand kind name that stands for a layer chain: `ws:` is `ws+tcp:`, `wss:` is
/// `ws+tls:` on the client and `ws+ssl:` on the server.
///
/// The registry rewrites the name before parsing, so a shorthand declares no options of its
/// own: every option is the chain's, and canonical text is the layered form.
///
/// # Examples
/// ```
/// use endpoint_core::{Shorthand, Side};
/// let ws = Shorthand {
///     name: "ws",
///     side: Side::Client,
///     expansion: "ws+tcp",
///     summary: "WebSocket client over TCP",
/// };
/// // inventory::submit! { ws } registers it for every program that links the crate.
/// assert_eq!(ws.expansion, "ws+tcp");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Shorthand {
    /// The name written in descriptions (matched case-insensitively).
    pub name: &'static str,
    /// The side it is for.
    pub side: Side,
    /// The layer chain it stands for, outermost first (`ws+tcp`).
    pub expansion: &'static str,
    /// One line saying what it means.
    pub summary: &'static str,
}

inventory::collect!(Shorthand);
