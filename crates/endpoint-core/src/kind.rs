//! Kinds as data: name, side, summary, options, parser.

use std::fmt;
use std::sync::Arc;

use crate::description::Args;
use crate::endpoint::{ClientEndpoint, ServerEndpoint};
use crate::error::Result;

/// Which end an endpoint or kind is for.
///
/// With the `serde` feature it serializes as `"server"` or `"client"`, as it displays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum Side {
    /// Listening (`serverFromString`).
    Server,
    /// Connecting (`clientFromString`).
    Client,
}

impl Side {
    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Server => Side::Client,
            Side::Client => Side::Server,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Server => "server",
            Side::Client => "client",
        })
    }
}

/// The type of an option's value; drives help text and `endpoint describe --json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OptionType {
    /// A port number, 0–65535.
    Port,
    /// A non-negative integer.
    Integer,
    /// Seconds, possibly fractional.
    Seconds,
    /// `0` or `1`.
    Flag,
    /// An octal file mode (shown as its integer value in JSON).
    Mode,
    /// Free text (host names, interfaces).
    Text,
    /// A file-system path.
    Path,
    /// A comma-separated list.
    List,
    /// An inner (escaped) description of the given side.
    Description(Side),
}

impl fmt::Display for OptionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OptionType::Port => "port",
            OptionType::Integer => "integer",
            OptionType::Seconds => "seconds",
            OptionType::Flag => "flag",
            OptionType::Mode => "octal mode",
            OptionType::Text => "text",
            OptionType::Path => "path",
            OptionType::List => "list",
            OptionType::Description(_) => "description",
        })
    }
}

/// One option a kind takes.
#[derive(Clone, Copy, Debug)]
pub struct OptionSpec {
    /// The keyword in descriptions, in Twisted's spelling (`bindAddress`).
    pub name: &'static str,
    /// The value's type.
    pub ty: OptionType,
    /// The default as description text, if the option has one.
    pub default: Option<&'static str>,
    /// One line of help.
    pub help: &'static str,
    /// True for options Twisted does not have; these are left out of canonical text and
    /// `describe` output while they hold their default.
    pub extension: bool,
}

impl OptionSpec {
    /// An option with no default.
    pub const fn new(name: &'static str, ty: OptionType, help: &'static str) -> Self {
        OptionSpec {
            name,
            ty,
            default: None,
            help,
            extension: false,
        }
    }

    /// Sets the default.
    pub const fn default(mut self, default: &'static str) -> Self {
        self.default = Some(default);
        self
    }

    /// Marks the option as an `endpoints` extension (not in Twisted).
    pub const fn extension(mut self) -> Self {
        self.extension = true;
        self
    }
}

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

    /// Splits `description` and collects this kind's arguments, as a concrete endpoint's
    /// `FromStr` needs. The description must be of this kind, without layers.
    ///
    /// # Errors
    /// [`Error::Parse`](crate::Error::Parse) or [`Error::UnknownKind`](crate::Error::UnknownKind)
    /// when the text is not a description of this kind.
    pub fn args(&self, description: &str) -> Result<Args> {
        let mut registry = crate::Registry::new();
        registry.register(*self);
        let plan = registry.plan(self.side(), description)?;
        Ok(plan.base_args)
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
