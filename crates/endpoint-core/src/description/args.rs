//! The arguments of one part of a description, as a kind's parser reads them.

use std::time::Duration;

use super::split::Value;
use super::value;
use crate::error::{Error, Result};
use crate::kind::OptionSpec;
use crate::suggest::closest;

/// The positional and keyword arguments given to one kind or layer.
///
/// A kind's parser reads its parameters with [`Args::param`] (Twisted's function-call rules:
/// by position or by keyword, never both) or [`Args::keyword`], converts them with the typed
/// helpers, and ends with [`Args::finish`], which rejects any keyword it did not read.
#[derive(Debug)]
pub struct Args {
    input: String,
    kind: String,
    positionals: Vec<Value>,
    keywords: Vec<(Value, Value)>,
    taken: Vec<bool>,
    options: &'static [OptionSpec],
}

impl Args {
    /// Collects the arguments of `kind` (positionals after the kind; keywords with the last
    /// duplicate winning, as in Twisted).
    pub fn new(
        input: &str,
        kind: &str,
        positionals: Vec<Value>,
        keywords: Vec<(Value, Value)>,
        options: &'static [OptionSpec],
    ) -> Self {
        let mut deduped: Vec<(Value, Value)> = Vec::with_capacity(keywords.len());
        for (name, value) in keywords {
            deduped.retain(|(n, _)| n.text != name.text);
            deduped.push((name, value));
        }
        Args {
            input: input.to_owned(),
            kind: kind.to_owned(),
            positionals,
            taken: vec![false; deduped.len()],
            keywords: deduped,
            options,
        }
    }

    /// The whole description these arguments came from.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The kind (or layer) name these arguments are for.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The positional arguments after the kind.
    pub fn positionals(&self) -> &[Value] {
        &self.positionals
    }

    /// True if the keyword `name` was given.
    pub fn has_keyword(&self, name: &str) -> bool {
        self.keywords.iter().any(|(n, _)| n.text == name)
    }

    /// Reads the keyword `name`, marking it as used.
    pub fn keyword(&mut self, name: &str) -> Option<Value> {
        let i = self.keywords.iter().position(|(n, _)| n.text == name)?;
        self.taken[i] = true;
        Some(self.keywords[i].1.clone())
    }

    /// Reads a parameter the way Python binds a function argument: the positional at `index`
    /// (counting after the kind) or the keyword `name`.
    ///
    /// # Errors
    /// [`Error::Option`] when it is given both ways.
    pub fn param(&mut self, name: &str, index: usize) -> Result<Option<Value>> {
        let positional = self.positionals.get(index).cloned();
        let keyword = self.keyword(name);
        match (positional, keyword) {
            (Some(_), Some(k)) => Err(self.invalid(
                name,
                k.position,
                format!("is given twice, as argument {} and by keyword", index + 1),
            )),
            (p, k) => Ok(p.or(k)),
        }
    }

    /// Fails unless at most `n` positionals follow the kind.
    ///
    /// # Errors
    /// [`Error::Option`] naming the first extra argument.
    pub fn at_most_positionals(&self, n: usize, names: &str) -> Result<()> {
        match self.positionals.get(n) {
            None => Ok(()),
            Some(extra) => Err(Error::Option {
                input: self.input.clone(),
                kind: self.kind.clone(),
                option: extra.text.clone(),
                position: extra.position,
                reason: format!(
                    "is one argument too many; {} takes at most {n} ({names})",
                    self.kind
                ),
                accepted: self.accepted(),
                suggestion: None,
            }),
        }
    }

    /// Returns the value or an error saying that `name` is required.
    ///
    /// # Errors
    /// [`Error::Option`] when `value` is `None`.
    pub fn required(&self, name: &str, value: Option<Value>) -> Result<Value> {
        value.ok_or_else(|| {
            self.invalid(name, self.input.len(), "is required but missing".to_owned())
        })
    }

    /// An [`Error::Option`] for `name` at `position` with `reason`.
    pub fn invalid(&self, name: &str, position: usize, reason: String) -> Error {
        Error::Option {
            input: self.input.clone(),
            kind: self.kind.clone(),
            option: name.to_owned(),
            position,
            reason,
            accepted: self.accepted(),
            suggestion: None,
        }
    }

    /// Converts `value` with `parse`, turning its message into an [`Error::Option`] for `name`.
    ///
    /// # Errors
    /// [`Error::Option`] when `parse` fails.
    pub fn convert<T>(
        &self,
        name: &str,
        value: &Value,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T> {
        parse(&value.text).map_err(|reason| self.invalid(name, value.position, reason))
    }

    /// A port number (strict digits, 0–65535).
    ///
    /// # Errors
    /// [`Error::Option`] when the text is not a port.
    pub fn port(&self, name: &str, value: &Value) -> Result<u16> {
        self.convert(name, value, value::parse_port)
    }

    /// A non-negative integer that fits in `u32`.
    ///
    /// # Errors
    /// [`Error::Option`] when the text is not such a number.
    pub fn u32(&self, name: &str, value: &Value) -> Result<u32> {
        self.convert(name, value, |t| {
            let n = value::parse_integer(t)?;
            u32::try_from(n).map_err(|_| format!("is too large: \"{t}\""))
        })
    }

    /// A `0`/`1` flag.
    ///
    /// # Errors
    /// [`Error::Option`] when the text is not digits.
    pub fn flag(&self, name: &str, value: &Value) -> Result<bool> {
        self.convert(name, value, value::parse_flag)
    }

    /// Seconds, possibly fractional.
    ///
    /// # Errors
    /// [`Error::Option`] when the text is not a non-negative number.
    pub fn seconds(&self, name: &str, value: &Value) -> Result<Duration> {
        self.convert(name, value, value::parse_seconds)
    }

    /// An octal file mode.
    ///
    /// # Errors
    /// [`Error::Option`] when the text is not octal or exceeds `7777`.
    pub fn mode(&self, name: &str, value: &Value) -> Result<u32> {
        self.convert(name, value, value::parse_mode)
    }

    /// Ends parsing: every keyword must have been read.
    ///
    /// # Errors
    /// [`Error::Option`] for the first unknown keyword, with the closest known one.
    pub fn finish(self) -> Result<()> {
        let unknown = self
            .keywords
            .iter()
            .zip(&self.taken)
            .find(|(_, taken)| !**taken)
            .map(|((name, _), _)| name.clone());
        match unknown {
            None => Ok(()),
            Some(name) => {
                let accepted = self.accepted();
                Err(Error::Option {
                    input: self.input.clone(),
                    kind: self.kind.clone(),
                    suggestion: closest(&name.text, accepted.iter().map(String::as_str)),
                    option: name.text,
                    position: name.position,
                    reason: "is not an option it takes".into(),
                    accepted,
                })
            }
        }
    }

    fn accepted(&self) -> Vec<String> {
        self.options.iter().map(|o| o.name.to_owned()).collect()
    }
}
