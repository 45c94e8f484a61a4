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
#[non_exhaustive]
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

    /// Replaces the help line: a kind that shares another kind's option (same name, type and
    /// meaning) but says it in its own words, like quic's `hostname` (no inner endpoint).
    pub const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
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

impl OptionSpec {
    /// How many specs `groups` hold together (for [`option_table!`](crate::option_table)).
    pub const fn count(groups: &[&[OptionSpec]]) -> usize {
        let mut total = 0;
        let mut g = 0;
        while g < groups.len() {
            total += groups[g].len();
            g += 1;
        }
        total
    }

    /// `groups` joined in order into one table of `N` specs (for
    /// [`option_table!`](crate::option_table)).
    ///
    /// # Panics
    /// At compile time, when `N` is not the groups' total or two specs share a name.
    pub const fn join<const N: usize>(groups: &[&[OptionSpec]]) -> [OptionSpec; N] {
        let mut table = [OptionSpec::new("", OptionType::Text, ""); N];
        let mut at = 0;
        let mut g = 0;
        while g < groups.len() {
            let group = groups[g];
            let mut i = 0;
            while i < group.len() {
                assert!(at < N, "option_table!: more specs than the table holds");
                let mut j = 0;
                while j < at {
                    assert!(
                        !same_name(table[j].name, group[i].name),
                        "option_table!: two options share a name"
                    );
                    j += 1;
                }
                table[at] = group[i];
                at += 1;
                i += 1;
            }
            g += 1;
        }
        assert!(at == N, "option_table!: fewer specs than the table holds");
        table
    }
}

const fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A kind's option table composed of groups, joined in order at compile time: a kind with a
/// TCP socket underneath adds tcp's socket option group to its own options, and can never
/// drift from tcp. Two options with one name fail the build.
///
/// # Examples
/// ```
/// use endpoint_core::{option_table, OptionSpec, OptionType};
/// const SOCKET: &[OptionSpec] = &[OptionSpec::new("nodelay", OptionType::Flag, "TCP_NODELAY")];
/// static OPTIONS: &[OptionSpec] = option_table![
///     &[OptionSpec::new("port", OptionType::Port, "port to listen on")],
///     SOCKET,
/// ];
/// let names: Vec<_> = OPTIONS.iter().map(|o| o.name).collect();
/// assert_eq!(names, ["port", "nodelay"]);
/// ```
#[macro_export]
macro_rules! option_table {
    ($($group:expr),* $(,)?) => {{
        const GROUPS: &[&[$crate::OptionSpec]] = &[$($group),*];
        static TABLE: [$crate::OptionSpec; $crate::OptionSpec::count(GROUPS)] =
            $crate::OptionSpec::join(GROUPS);
        &TABLE
    }};
}
