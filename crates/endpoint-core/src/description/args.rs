//! The arguments of one part of a description, as a kind's parser reads them.

use std::fmt;
use std::sync::Arc;

use super::host::parse_host;
use super::split::Value;
use super::value::FromOption;
use crate::authority::Authority;
use crate::error::{Error, Result};
use crate::nested::InnerParser;
use crate::option::OptionSpec;
use crate::suggest::closest;

/// The positional and keyword arguments given to one kind or layer.
///
/// A kind's parser reads typed values with [`Args::get`] (a keyword, else the default its
/// [`OptionSpec`] declares: the spec is the one home of a default) and [`Args::get_param`]
/// (Twisted's function-call rules: by position or by keyword, never both), and ends with
/// [`Args::finish`], which rejects any keyword it did not read. Descriptions nested in its
/// own go through [`Args::registry`], the registry that is parsing.
pub struct Args {
    input: Arc<str>,
    kind: String,
    positionals: Vec<Value>,
    keywords: Vec<(Value, Value)>,
    taken: Vec<bool>,
    options: &'static [OptionSpec],
    registry: Arc<dyn InnerParser>,
    /// Where each option read so far was given, to blame it for a later problem.
    given_at: Vec<(String, usize)>,
}

impl fmt::Debug for Args {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Args")
            .field("input", &self.input)
            .field("kind", &self.kind)
            .field("positionals", &self.positionals)
            .field("keywords", &self.keywords)
            .finish_non_exhaustive()
    }
}

impl Args {
    /// Collects the arguments of `kind` (positionals after the kind; keywords with the last
    /// duplicate winning, as in Twisted). `registry` parses descriptions nested in these.
    pub(crate) fn new(
        input: Arc<str>,
        kind: &str,
        positionals: Vec<Value>,
        keywords: Vec<(Value, Value)>,
        options: &'static [OptionSpec],
        registry: Arc<dyn InnerParser>,
    ) -> Self {
        // Last duplicate wins; keep first-seen order of the survivors (linear in the count).
        let mut last = std::collections::HashMap::with_capacity(keywords.len());
        for (i, (name, _)) in keywords.iter().enumerate() {
            last.insert(name.text.clone(), i);
        }
        let deduped: Vec<(Value, Value)> = keywords
            .into_iter()
            .enumerate()
            .filter(|(i, (name, _))| last.get(&name.text) == Some(i))
            .map(|(_, kv)| kv)
            .collect();
        Args {
            input,
            kind: kind.to_owned(),
            positionals,
            taken: vec![false; deduped.len()],
            keywords: deduped,
            options,
            registry,
            given_at: Vec::new(),
        }
    }

    /// The registry that is parsing this description: parse nested descriptions
    /// (`endpoint=`, a proxy's target) here, never through the global registry, so a
    /// program's own registry and its restrictions apply to them too.
    pub fn registry(&self) -> &dyn InnerParser {
        &*self.registry
    }

    /// The registry that is parsing, to keep: for an endpoint that parses a description only
    /// when it connects (a proxy layer's `proxy=env` learns the proxy's address from the
    /// environment then), so that description obeys the same kinds, allow-list and egress
    /// policy as one nested in the text.
    pub fn registry_handle(&self) -> Arc<dyn InnerParser> {
        Arc::clone(&self.registry)
    }

    /// The spec of option `name`, as the kind declares it.
    pub fn spec(&self, name: &str) -> Option<&'static OptionSpec> {
        self.options.iter().find(|o| o.name == name)
    }

    /// The keyword `name` converted to `T`, else its declared default.
    ///
    /// # Errors
    /// [`Error::Option`] when the value does not convert, or when the option has no default
    /// and was not given (it is required).
    pub fn get<T: FromOption>(&mut self, name: &str) -> Result<T> {
        let value = self.keyword(name);
        self.typed(name, value)?.ok_or_else(|| self.missing(name))
    }

    /// Like [`get`](Args::get), but an option with no default that was not given is `None`.
    ///
    /// # Errors
    /// [`Error::Option`] when the value does not convert.
    pub fn get_optional<T: FromOption>(&mut self, name: &str) -> Result<Option<T>> {
        let value = self.keyword(name);
        self.typed(name, value)
    }

    /// The parameter `name` given at position `index` or by keyword (see
    /// [`param`](Args::param)), converted to `T`, else its declared default.
    ///
    /// # Errors
    /// [`Error::Option`] when it is given twice, does not convert, or is required and
    /// missing.
    pub fn get_param<T: FromOption>(&mut self, name: &str, index: usize) -> Result<T> {
        let value = self.param(name, index)?;
        self.typed(name, value)?.ok_or_else(|| self.missing(name))
    }

    /// Like [`get_param`](Args::get_param), but a parameter with no default that was not
    /// given is `None`.
    ///
    /// # Errors
    /// [`Error::Option`] when it is given twice or does not convert.
    pub fn get_param_optional<T: FromOption>(
        &mut self,
        name: &str,
        index: usize,
    ) -> Result<Option<T>> {
        let value = self.param(name, index)?;
        self.typed(name, value)
    }

    /// The keyword `name` converted with `parse` (for values only one kind understands, or
    /// with a check of the kind's own), else its declared default converted the same way.
    ///
    /// # Errors
    /// [`Error::Option`] when `parse` fails, or when the option has no default and was not
    /// given.
    pub fn get_with<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T> {
        self.get_optional_with(name, parse)?
            .ok_or_else(|| self.missing(name))
    }

    /// Like [`get_with`](Args::get_with), but an option with no default that was not given
    /// is `None`.
    ///
    /// # Errors
    /// [`Error::Option`] when `parse` fails.
    pub fn get_optional_with<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>> {
        let value = self.keyword(name);
        self.converted(name, value, parse)
    }

    /// `value` (or the declared default when `None`) converted to `T`.
    fn typed<T: FromOption>(&self, name: &str, value: Option<Value>) -> Result<Option<T>> {
        debug_assert!(
            self.spec(name).is_some(),
            "{} reads option {name:?}, which its spec does not declare",
            self.kind
        );
        self.converted(name, value, T::from_option)
    }

    /// `value` converted with `parse`, or the declared default converted the same way when
    /// `value` is `None`; `None` when there is neither.
    fn converted<T>(
        &self,
        name: &str,
        value: Option<Value>,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>> {
        match value {
            Some(v) => self.convert(name, &v, parse).map(Some),
            None => match self.spec(name).and_then(|s| s.default) {
                Some(default) => parse(default)
                    .map(Some)
                    .map_err(|reason| self.invalid(name, self.input.len(), reason)),
                None => Ok(None),
            },
        }
    }

    /// The IPv6 address written from byte `at` on with unescaped colons (`::1:...`), if the
    /// segments from there up to the next keyword read as one.
    fn unescaped_ipv6(&self, at: usize) -> Option<String> {
        let rest = self.input.get(at..)?;
        let candidate: Vec<&str> = rest.split(':').take_while(|s| !s.contains('=')).collect();
        let text = candidate.join(":");
        let bare = text.trim_start_matches('[').trim_end_matches(']');
        (candidate.len() > 1 && bare.parse::<std::net::Ipv6Addr>().is_ok()).then(|| bare.to_owned())
    }

    fn missing(&self, name: &str) -> Error {
        self.invalid(name, self.input.len(), "is required but missing".to_owned())
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
        let value = self.keywords[i].1.clone();
        self.given_at.push((name.to_owned(), value.position));
        Some(value)
    }

    /// Where the option `name` was given (its value's byte offset), if it has been read;
    /// else the end of the input. For errors found after reading, such as a file that does
    /// not load.
    pub fn position_of(&self, name: &str) -> usize {
        self.given_at
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map_or(self.input.len(), |(_, at)| *at)
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
            (Some(_), Some(k)) => {
                let mut error = self.invalid(
                    name,
                    k.position,
                    format!("is given twice, as argument {} and by keyword", index + 1),
                );
                // `interface=::1`: the grammar split an IPv6 address at its colons.
                if let Some(address) = self.unescaped_ipv6(k.position) {
                    if let Error::Option {
                        reason, suggestion, ..
                    } = &mut error
                    {
                        reason.push_str(
                            "; an IPv6 address in a description needs its colons escaped",
                        );
                        *suggestion = Some(format!("{name}={}", super::split::quote(&address)));
                    }
                }
                Err(error)
            }
            (Some(p), None) => {
                self.given_at.push((name.to_owned(), p.position));
                Ok(Some(p))
            }
            (None, k) => Ok(k),
        }
    }

    /// Reads `host` and `port` with Twisted's rule for tcp-style clients (`tcp`, `ssl`):
    /// two positionals are host and port and override the keywords; one positional is the
    /// port when `host=` is given, else the host; more is an error. A bracketed IPv6
    /// literal (`[::1]`, which the grammar splits at its colons) is joined back and its
    /// brackets removed.
    ///
    /// # Errors
    /// [`Error::Option`] for a missing or empty host, a bad port, or a third positional.
    pub fn host_and_port(&mut self) -> Result<Authority> {
        let positionals = join_bracketed(&self.positionals);
        if let Some(extra) = positionals.get(2) {
            let reason = format!(
                "is one argument too many; {} takes at most 2 (host, port)",
                self.kind
            );
            return Err(self.invalid(&extra.text, extra.position, reason));
        }
        let host_keyword = self.keyword("host");
        let port_keyword = self.keyword("port");
        let (host, port) = match positionals.as_slice() {
            [host, port] => (Some(host.clone()), Some(port.clone())),
            [one] if host_keyword.is_some() => (host_keyword, Some(one.clone())),
            [one] => (Some(one.clone()), port_keyword),
            _ => (host_keyword, port_keyword),
        };
        let host = self.required("host", host)?;
        let port = self.required("port", port)?;
        let port = self.convert("port", &port, u16::from_option)?;
        let host = self.host("host", &host)?;
        Ok(Authority::new(host, port))
    }

    /// Checks `value` as a client host with [`parse_host`] (a DNS name or an IP literal,
    /// nothing else) and returns it normalised: an IPv6 literal without its brackets.
    ///
    /// # Errors
    /// [`Error::Option`] for `name` whose reason names the refused character and its byte in
    /// the host, with the caret on that character.
    pub fn host(&self, name: &str, value: &Value) -> Result<String> {
        parse_host(&value.text).map_err(|e| {
            let at = self.raw_position(value, e.position());
            self.invalid(name, at, e.reason().to_owned())
        })
    }

    /// The keyword `name` checked as a client host (see [`host`](Args::host)), or `None`
    /// when it is not given.
    ///
    /// # Errors
    /// [`Error::Option`] when the value is not a host.
    pub fn get_host_optional(&mut self, name: &str) -> Result<Option<String>> {
        match self.keyword(name) {
            Some(value) => self.host(name, &value).map(Some),
            None => Ok(None),
        }
    }

    /// The byte offset in the input of byte `offset` of `value`'s unescaped text (escapes
    /// skipped), for a caret on one character of a value.
    fn raw_position(&self, value: &Value, offset: usize) -> usize {
        let Some(raw) = self.input.get(value.position..) else {
            return value.position.min(self.input.len());
        };
        let mut unescaped = 0;
        let mut chars = raw.char_indices();
        while let Some((at, c)) = chars.next() {
            let (at, c) = match c {
                '\\' => match chars.next() {
                    Some(next) => next,
                    None => (at, c),
                },
                _ => (at, c),
            };
            if unescaped >= offset {
                return value.position + at;
            }
            unescaped += c.len_utf8();
        }
        self.input.len()
    }

    /// Fails unless at most `n` positionals follow the kind.
    ///
    /// # Errors
    /// [`Error::Option`] naming the first extra argument.
    pub fn at_most_positionals(&self, n: usize, names: &str) -> Result<()> {
        match self.positionals.get(n) {
            None => Ok(()),
            Some(extra) => Err(Error::Option {
                input: self.input.to_string(),
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
            input: self.input.to_string(),
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

    /// Ends parsing: every keyword must have been read. The arguments stay usable for
    /// [`invalid`](Args::invalid) errors about problems found afterwards (files that do not
    /// load while the endpoint is built).
    ///
    /// # Errors
    /// [`Error::Option`] for the first unknown keyword, with the closest known one.
    pub fn finish(&mut self) -> Result<()> {
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
                    input: self.input.to_string(),
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

/// Rejoins `[`, ``, `1]` into `[::1]`: a bracketed IPv6 literal written without escapes.
fn join_bracketed(positionals: &[Value]) -> Vec<Value> {
    let mut joined: Vec<Value> = Vec::with_capacity(positionals.len());
    let mut open = false;
    for value in positionals {
        match joined.last_mut() {
            Some(last) if open => {
                last.text.push(':');
                last.text.push_str(&value.text);
            }
            _ => joined.push(value.clone()),
        }
        let last = &joined[joined.len() - 1].text;
        open = last.starts_with('[') && !last.ends_with(']');
    }
    joined
}
