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
/// parser. Transport crates build one with a const constructor ([`Kind::server`],
/// [`Kind::client`], [`Kind::server_layer`], [`Kind::client_layer`]) and the const builder
/// methods for the optional fields, and submit it with `inventory::submit!`. The struct is
/// `#[non_exhaustive]`: its fields are read-only outside this crate, so fields can be added
/// without a breaking release.
///
/// # Examples
/// ```
/// use endpoint_core::{Kind, OptionSpec, OptionType};
/// # fn parse(args: endpoint_core::description::Args) -> endpoint_core::Result<std::sync::Arc<dyn endpoint_core::ServerEndpoint>> { unimplemented!() }
/// static OPTIONS: &[OptionSpec] = &[OptionSpec::new("port", OptionType::Port, "port to listen on")];
/// static MINE: Kind = Kind::server("mine", "my transport", OPTIONS, parse).positional(&["port"]);
/// // endpoint_core::inventory::submit! { MINE } registers it for every program that links
/// // the crate.
/// assert!(!MINE.is_layer());
/// assert_eq!(MINE.usage(), "mine:PORT");
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
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
    /// A kind built by `builder`, with no positional options (set them with
    /// [`positional`](Kind::positional)). The constructors below are this with the builder
    /// named.
    pub const fn new(
        name: &'static str,
        summary: &'static str,
        options: &'static [OptionSpec],
        builder: Builder,
    ) -> Self {
        Kind {
            name,
            summary,
            positional: &[],
            options,
            builder,
        }
    }

    /// A base kind that listens (`tcp:`), parsed by `parser`.
    pub const fn server(
        name: &'static str,
        summary: &'static str,
        options: &'static [OptionSpec],
        parser: ServerParser,
    ) -> Self {
        Kind::new(name, summary, options, Builder::Server(parser))
    }

    /// A base kind that connects (`tcp:HOST:PORT`), parsed by `parser`.
    pub const fn client(
        name: &'static str,
        summary: &'static str,
        options: &'static [OptionSpec],
        parser: ClientParser,
    ) -> Self {
        Kind::new(name, summary, options, Builder::Client(parser))
    }

    /// A layer over any server endpoint (`tls+...`): `parser` reads its options and wraps the
    /// inner endpoint.
    pub const fn server_layer(
        name: &'static str,
        summary: &'static str,
        options: &'static [OptionSpec],
        parser: ServerLayerParser,
    ) -> Self {
        Kind::new(name, summary, options, Builder::ServerLayer(parser))
    }

    /// A layer over any client endpoint: `parser` reads its options and wraps the inner
    /// endpoint.
    pub const fn client_layer(
        name: &'static str,
        summary: &'static str,
        options: &'static [OptionSpec],
        parser: ClientLayerParser,
    ) -> Self {
        Kind::new(name, summary, options, Builder::ClientLayer(parser))
    }

    /// Sets the options its canonical description writes positionally, in order.
    pub const fn positional(mut self, positional: &'static [&'static str]) -> Self {
        self.positional = positional;
        self
    }

    /// The same kind with another builder (a wrapper that guards or traces the original
    /// parser, as the fuzz targets do).
    pub const fn with_builder(mut self, builder: Builder) -> Self {
        self.builder = builder;
        self
    }

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
///
/// # Examples
/// ```
/// use endpoint_core::{Side, UrlForm};
/// fn rewrite(url: &str, _: Side) -> endpoint_core::Result<String> {
///     Ok(format!("tcp:{}", url.trim_start_matches("mine://")))
/// }
/// static MINE: UrlForm = UrlForm::new("mine", "my scheme", rewrite);
/// assert_eq!((MINE.rewrite)("mine://h:1", Side::Client)?, "tcp:h:1");
/// # Ok::<(), endpoint_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct UrlForm {
    /// The URL scheme, without `://` (matched case-insensitively).
    pub scheme: &'static str,
    /// One line saying what it means.
    pub summary: &'static str,
    /// Rewrites the whole URL into an equivalent description for `side`.
    pub rewrite: fn(&str, Side) -> Result<String>,
}

impl UrlForm {
    /// The URL form `scheme://...`, rewritten by `rewrite`.
    pub const fn new(
        scheme: &'static str,
        summary: &'static str,
        rewrite: fn(&str, Side) -> Result<String>,
    ) -> Self {
        UrlForm {
            scheme,
            summary,
            rewrite,
        }
    }
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
/// let ws = Shorthand::new("ws", Side::Client, "ws+tcp", "WebSocket client over TCP");
/// // inventory::submit! { ws } registers it for every program that links the crate.
/// assert_eq!(ws.expansion, "ws+tcp");
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
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

impl Shorthand {
    /// `name` on `side` stands for the layer chain `expansion` (outermost first).
    pub const fn new(
        name: &'static str,
        side: Side,
        expansion: &'static str,
        summary: &'static str,
    ) -> Self {
        Shorthand {
            name,
            side,
            expansion,
            summary,
        }
    }
}

inventory::collect!(Shorthand);
