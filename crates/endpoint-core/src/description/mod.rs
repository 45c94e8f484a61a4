//! The description grammar: Twisted's tokenizer and splitter, quoting, and canonical output.
//!
//! A description is `kind:arg:arg:key=value...`. Segments are separated by `:`; a backslash
//! makes the next character literal; in each segment the first unescaped `=` splits a keyword
//! from its value, and later `=` are part of the value. The kind is the first *positional*
//! segment, wherever it stands. This module does no I/O and needs no runtime.

mod args;
pub(crate) mod cidr;
mod host;
mod secret;
mod split;
pub(crate) mod tree;
mod value;

pub use args::Args;
pub use cidr::{cidr_contains, parse_cidr, parse_cidr_list};
pub use host::{parse_host, HostError};
pub(crate) use secret::{mask_secret_values, scrub_values, without_secrets};
pub use split::{quote, split, Segment, Split, Value, MAX_SEGMENTS};
pub use tree::{Description, OptionText, Piece, Secret, Unmasked, MASK};
pub use value::{
    declared_default, format_seconds, parse_duration, parse_flag, parse_integer, parse_mode,
    parse_port, parse_seconds, FromOption, Mode,
};
