//! Option specs: an option's keyword, type, default and help, which drive parsing
//! defaults, help text, error messages and `endpoint describe`.

use std::fmt;

use crate::side::Side;

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
    /// Comma-separated whole numbers (`keepalive=60,10,5`); `endpoint describe --json` shows
    /// them as an array of numbers.
    Integers,
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
            OptionType::Integers => "integers",
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
    /// True for values that must not be shown (credentials, header values): an endpoint's
    /// [`Description`](crate::description::Description) holds them as
    /// [`Secret`](crate::description::Secret)s, so `Display`, `Debug`, `describe` and logs
    /// print `***` for them; only [`Description::unmasked`](crate::description::Description::unmasked)
    /// (and serde) write them whole. Parse errors never quote them.
    pub secret: bool,
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
            secret: false,
        }
    }

    /// Sets the default.
    pub const fn default(mut self, default: &'static str) -> Self {
        self.default = Some(default);
        self
    }

    /// Marks the option's value as secret.
    pub const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// Marks the option as an `endpoints` extension (not in Twisted).
    pub const fn extension(mut self) -> Self {
        self.extension = true;
        self
    }
}
