//! The configuration file: `[[relay]]` tables of descriptions, read into values.
//!
//! Parsing is two steps so that every error can point into the file: serde reads the TOML
//! with the span of each field, then each description is parsed with the program's
//! [`Registry`](endpoint_core::Registry); a description error's position becomes a column in
//! the file when the string is written without escapes.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use endpoint_core::description::parse_duration;
use endpoint_core::{ClientDescription, Error, ServerDescription};
use endpoint_pool::{Balance, Health, Member, Pool};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

mod routes;

/// How long a relay that stops (removed on reload, or at shutdown) lets its open connections
/// finish before cutting them, unless its table says `grace`.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);

/// A whole configuration file: the relays to run and what is process-wide.
///
/// Two configurations are compared relay by relay, by value ([`RelayConfig`]'s equality is
/// its descriptions' values, secrets included), which is what a reload acts on.
///
/// # Examples
/// ```
/// use endpoint_serve::ServeConfig;
/// // With no transport linked every kind is unknown: the error points into the file.
/// let error = ServeConfig::parse("[[relay]]\nname = \"web\"\nlisten = \"tpc:8080\"\nto = \"tcp:localhost:80\"\n", "relays.toml")
///     .unwrap_err();
/// assert!(error.to_string().starts_with("relays.toml:3:11: relay \"web\":"), "{error}");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServeConfig {
    /// Where to serve `GET /metrics` and `GET /healthz` (top-level `metrics = "..."`).
    pub metrics: Option<ServerDescription>,
    /// The relays, in file order; names are unique.
    pub relays: Vec<RelayConfig>,
}

/// One `[[relay]]` table.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RelayConfig {
    /// The relay's name: unique in the file, the `relay` label of its metrics and the
    /// `relay` field of its logs.
    pub name: String,
    /// Where it accepts connections (`listen = "tcp:8080"` or a list).
    pub listen: Vec<ServerDescription>,
    /// Where each accepted connection is forwarded (`to = "tcp:backend:80"`). With several
    /// upstreams (`to = [..]`), the first of them; [`pool`](RelayConfig::pool) has them all.
    /// From a `routes = { "a.example" = "...", default = "..." }` table, an
    /// [`SniRouter`](endpoint_sni::SniRouter) choosing by the server name the client asked for.
    pub to: ClientDescription,
    /// Several upstreams, balanced (`to = ["tcp:a:80", "tcp:b:80"]` with `balance` and
    /// `health`); `None` with one upstream, which is then used as it is (no pool around it).
    pub pool: Option<PoolConfig>,
    /// Keep retrying an upstream that refuses for this long (`retry = "30s"`), as
    /// `endpoint relay --retry` does.
    pub retry: Option<Duration>,
    /// How long open connections may finish when the relay stops (`grace = "5s"`).
    pub grace: Duration,
    /// Close a pair when nothing moved either way for this long (`idleTimeout = "5m"`); off
    /// by default.
    pub idle_timeout: Option<Duration>,
    /// Close a pair this long after it began (`maxLifetime = "1h"`, ghostunnel's
    /// `--max-conn-lifetime`); off by default.
    pub max_lifetime: Option<Duration>,
}

impl RelayConfig {
    /// A relay of one listener, no retry, the default grace.
    pub fn new(name: impl Into<String>, listen: ServerDescription, to: ClientDescription) -> Self {
        RelayConfig {
            name: name.into(),
            listen: vec![listen],
            to,
            pool: None,
            retry: None,
            grace: DEFAULT_GRACE,
            idle_timeout: None,
            max_lifetime: None,
        }
    }
}

/// A relay's upstreams when it has several: `to = [..]`, `balance`, `health`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolConfig {
    /// The upstreams, in file order: `"tcp:a:80"` or `{ to = "tcp:a:80", weight = 3,
    /// priority = 1 }`.
    pub members: Vec<MemberConfig>,
    /// How a connect picks one (`balance = "round-robin"`, the default).
    pub balance: Balance,
    /// When an upstream counts as down and whether it is probed (`health = { interval =
    /// "5s", timeout = "2s" }`; passive health alone without it), and how long one connect
    /// attempt may take before the next upstream is tried (`connectTimeout = "3s"`).
    pub health: Health,
}

/// One upstream of a [`PoolConfig`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemberConfig {
    /// Its description.
    pub to: ClientDescription,
    /// Its weight (`weight = 3`; 1 unless given).
    pub weight: u32,
    /// Its priority group (`priority = 1`). Unless given: 0, except under `failover`, where
    /// it is the member's position in the list, so `to = [a, b]` fails over from a to b.
    pub priority: Option<u32>,
}

impl PoolConfig {
    /// The members these settings describe, in file order.
    pub fn members(&self) -> Vec<Member> {
        self.members
            .iter()
            .enumerate()
            .map(|(at, m)| {
                let fallback = if self.balance == Balance::Failover {
                    u32::try_from(at).unwrap_or(u32::MAX)
                } else {
                    0
                };
                Member::new(std::sync::Arc::clone(m.to.endpoint()))
                    .weight(m.weight)
                    .priority(m.priority.unwrap_or(fallback))
            })
            .collect()
    }

    /// The pool these settings describe, its health checks started on the current runtime.
    pub fn pool(&self) -> Pool {
        Pool::new(self.members(), self.balance).with_health(self.health)
    }
}

/// A configuration file that cannot be used: where (`FILE:LINE:COLUMN`), in which relay, and
/// why — with the description's caret when a description is at fault. Secrets in the file
/// are never quoted: description errors mask them as everywhere else.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigError {
    /// The file's name as given (or `-`).
    pub origin: String,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the problem, when known.
    pub column: Option<usize>,
    /// The `name` of the relay table the problem is in, when known.
    pub relay: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The description and a caret under the bad character, for description errors.
    pub caret: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(relay) = &self.relay {
            write!(f, "relay {relay:?}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(caret) = &self.caret {
            for line in caret.lines() {
                write!(f, "\n    {line}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl ServeConfig {
    /// Reads and parses a file; `ConfigError::origin` is its path as given.
    ///
    /// # Errors
    /// An unreadable file, or what [`parse`](ServeConfig::parse) refuses.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            origin: origin.clone(),
            line: None,
            column: None,
            relay: None,
            message: format!("cannot read the file: {e}"),
            caret: None,
        })?;
        Self::parse(&text, &origin)
    }

    /// Parses a configuration's text; `origin` names it in errors.
    ///
    /// # Errors
    /// Bad TOML, an unknown key, a missing `name`/`listen`/`to`, a duplicate name, a bad
    /// duration or a bad description: the first one, located in the file.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let at = Locator { text, origin };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let mut error = at.error(e.span(), e.message().trim_end().to_string());
            error.relay = relay_around(text, e.span());
            error
        })?;
        let metrics = raw
            .metrics
            .map(|m| at.description::<ServerDescription>(&m, None))
            .transpose()?;
        let mut names = BTreeSet::new();
        let mut relays = Vec::with_capacity(raw.relay.len());
        for table in raw.relay {
            let name = table.name.get_ref().clone();
            let named = Some(name.as_str());
            if name.is_empty() {
                return Err(at.error(Some(table.name.span()), "a relay's name is empty".into()));
            }
            if !names.insert(name.clone()) {
                let mut error = at.error(
                    Some(table.name.span()),
                    "a relay of this name is already in the file; names are unique".into(),
                );
                error.relay = Some(name);
                return Err(error);
            }
            let listen_span = table.listen.span();
            let listen = match table.listen.into_inner() {
                Listen(all) if all.is_empty() => {
                    let mut error = at.error(
                        None,
                        "`listen` is empty: give at least one description".into(),
                    );
                    error.relay = Some(name);
                    return Err(error);
                }
                Listen(all) => all
                    .into_iter()
                    .map(|one| {
                        // A lone string carries the field's span.
                        let one = if one.span() == (0..0) {
                            Spanned::new(listen_span.clone(), one.into_inner())
                        } else {
                            one
                        };
                        at.description::<ServerDescription>(&one, named)
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            };
            let (to, pool) = match table.to {
                Some(to_field) if table.routes.is_none() => {
                    let to_span = to_field.span();
                    let mut members = Vec::new();
                    for one in to_field.into_inner().0 {
                        members.push(at.member(one, &to_span, named)?);
                    }
                    if members.is_empty() {
                        let mut error = at.error(
                            Some(to_span),
                            "`to` is empty: give at least one description".into(),
                        );
                        error.relay = Some(name);
                        return Err(error);
                    }
                    let balance = table
                        .balance
                        .map(|b| at.balance(&b, named))
                        .transpose()?
                        .unwrap_or_default();
                    let health = table
                        .health
                        .map(|h| at.health(h, named))
                        .transpose()?
                        .unwrap_or_default();
                    let to = members[0].to.clone();
                    let pool = (members.len() > 1).then(|| PoolConfig {
                        members,
                        balance,
                        health,
                    });
                    (to, pool)
                }
                to_field => {
                    // `routes` in place of `to` (the router is the relay's one client), or
                    // neither, or both: `routes::target` says which is wrong.
                    let to_field = to_field.map(|t| Spanned::new(t.span(), String::new()));
                    let to = routes::target(
                        &InRelay(&at, named),
                        (to_field, table.routes),
                        &table.name,
                        (&listen, listen_span),
                    )?;
                    (to, None)
                }
            };
            let retry = table.retry.map(|r| at.duration(&r, named)).transpose()?;
            let grace = table
                .grace
                .map(|g| at.duration(&g, named))
                .transpose()?
                .unwrap_or(DEFAULT_GRACE);
            let idle_timeout = table
                .idle_timeout
                .map(|d| at.duration(&d, named))
                .transpose()?;
            let max_lifetime = table
                .max_lifetime
                .map(|d| at.duration(&d, named))
                .transpose()?;
            relays.push(RelayConfig {
                name,
                listen,
                to,
                pool,
                retry,
                grace,
                idle_timeout,
                max_lifetime,
            });
        }
        Ok(ServeConfig { metrics, relays })
    }

    /// The relay of that name.
    pub fn relay(&self, name: &str) -> Option<&RelayConfig> {
        self.relays.iter().find(|r| r.name == name)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    metrics: Option<Spanned<String>>,
    #[serde(default)]
    relay: Vec<RawRelay>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelay {
    name: Spanned<String>,
    listen: Spanned<Listen>,
    to: Option<Spanned<To>>,
    balance: Option<Spanned<String>>,
    health: Option<Spanned<RawHealth>>,
    routes: Option<Spanned<routes::RawRoutes>>,
    retry: Option<Spanned<toml::Value>>,
    grace: Option<Spanned<toml::Value>>,
    #[serde(rename = "idleTimeout")]
    idle_timeout: Option<Spanned<toml::Value>>,
    #[serde(rename = "maxLifetime")]
    max_lifetime: Option<Spanned<toml::Value>>,
}

/// `listen = "tcp:80"` or `listen = ["tcp:80", "unix:/run/a.sock"]`, each with its span.
struct Listen(Vec<Spanned<String>>);

impl<'de> Deserialize<'de> for Listen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OneOrMany;
        impl<'de> Visitor<'de> for OneOrMany {
            type Value = Listen;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a server description or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Listen, E> {
                // A lone string has no span of its own here; the field's span is used.
                Ok(Listen(vec![Spanned::new(0..0, v.to_string())]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Listen, A::Error> {
                let mut all = Vec::new();
                while let Some(one) = seq.next_element::<Spanned<String>>()? {
                    all.push(one);
                }
                Ok(Listen(all))
            }
        }
        d.deserialize_any(OneOrMany)
    }
}

/// `health = { interval = "5s", timeout = "2s", failures = 3, backoff = "1s", maxBackoff = "30s",
/// connectTimeout = "3s" }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHealth {
    interval: Option<Spanned<toml::Value>>,
    timeout: Option<Spanned<toml::Value>>,
    failures: Option<Spanned<i64>>,
    backoff: Option<Spanned<toml::Value>>,
    #[serde(rename = "maxBackoff")]
    max_backoff: Option<Spanned<toml::Value>>,
    #[serde(rename = "connectTimeout")]
    connect_timeout: Option<Spanned<toml::Value>>,
}

/// `to = "tcp:a:80"`, or a list of descriptions and `{ to = "..", weight = 3, priority = 1 }`
/// tables, each with its span.
struct To(Vec<Spanned<toml::Value>>);

impl<'de> Deserialize<'de> for To {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OneOrMany;
        impl<'de> Visitor<'de> for OneOrMany {
            type Value = To;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a client description or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<To, E> {
                // A lone string has no span of its own here; the field's span is used.
                Ok(To(vec![Spanned::new(
                    0..0,
                    toml::Value::String(v.to_string()),
                )]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<To, A::Error> {
                let mut all = Vec::new();
                while let Some(one) = seq.next_element::<Spanned<toml::Value>>()? {
                    all.push(one);
                }
                Ok(To(all))
            }
        }
        d.deserialize_any(OneOrMany)
    }
}

/// Turns byte spans of the file into `LINE:COLUMN` errors.
struct Locator<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Locator<'_> {
    fn error(&self, span: Option<Range<usize>>, message: String) -> ConfigError {
        let (line, column) = match span {
            Some(span) => {
                let (line, column) = line_column(self.text, span.start);
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        ConfigError {
            origin: self.origin.to_string(),
            line,
            column,
            relay: None,
            message,
            caret: None,
        }
    }

    fn description<T>(&self, value: &Spanned<String>, relay: Option<&str>) -> Result<T, ConfigError>
    where
        T: std::str::FromStr<Err = Error>,
    {
        value.get_ref().parse::<T>().map_err(|e| {
            let span = self.span_of(value, e.position());
            let mut error = self.error(Some(span), e.to_string());
            error.relay = relay.map(str::to_string);
            error.caret = e.caret();
            error
        })
    }

    /// The span to report for a problem at byte `position` of a string value: that byte
    /// itself when the literal in the file is the value between quotes (no escapes), else
    /// the literal's start.
    fn span_of(&self, value: &Spanned<String>, position: Option<usize>) -> Range<usize> {
        let span = value.span();
        let literal = self.text.get(span.clone()).unwrap_or("");
        let plain = literal.len() == value.get_ref().len() + 2
            && (literal.starts_with('"') || literal.starts_with('\''))
            && &literal[1..literal.len() - 1] == value.get_ref();
        match position {
            Some(p) if plain && p <= value.get_ref().len() => {
                let at = span.start + 1 + p;
                at..at
            }
            _ => span,
        }
    }

    /// One entry of `to`: a description, or a table with `to`, `weight` and `priority`.
    fn member(
        &self,
        one: Spanned<toml::Value>,
        field: &Range<usize>,
        relay: Option<&str>,
    ) -> Result<MemberConfig, ConfigError> {
        let span = if one.span() == (0..0) {
            field.clone()
        } else {
            one.span()
        };
        let located = |message: String, at: Range<usize>| {
            let mut error = self.error(Some(at), message);
            error.relay = relay.map(str::to_string);
            error
        };
        match one.into_inner() {
            toml::Value::String(text) => Ok(MemberConfig {
                to: self.description(&Spanned::new(span, text), relay)?,
                weight: 1,
                priority: None,
            }),
            toml::Value::Table(table) => {
                let (mut weight, mut priority, mut to) = (1, None, None);
                for (key, value) in table {
                    match (key.as_str(), value) {
                        ("to", toml::Value::String(text)) => {
                            // The literal's own span, found in the table's text.
                            let table_text = self.text.get(span.clone()).unwrap_or("");
                            let literal = table_text
                                .find(&format!("\"{text}\""))
                                .or_else(|| table_text.find(&format!("'{text}'")))
                                .map(|at| span.start + at..span.start + at + text.len() + 2)
                                .unwrap_or_else(|| span.clone());
                            to = Some(self.description(&Spanned::new(literal, text), relay)?);
                        }
                        ("weight", toml::Value::Integer(w)) if (1..=i64::from(u32::MAX)).contains(&w) => {
                            weight = w as u32;
                        }
                        ("priority", toml::Value::Integer(p)) if (0..=i64::from(u32::MAX)).contains(&p) => {
                            priority = Some(p as u32);
                        }
                        ("to" | "weight" | "priority", value) => {
                            return Err(located(
                                format!(
                                    "`{key}` of an upstream is not {}: {}",
                                    if key == "to" { "a description string" } else { "a whole number (weight at least 1)" },
                                    match value {
                                        toml::Value::Integer(n) => n.to_string(),
                                        other => format!("a {}", other.type_str()),
                                    }
                                ),
                                span,
                            ))
                        }
                        (other, _) => {
                            return Err(located(
                                format!("unknown key `{other}` in an upstream (it takes: to, weight, priority)"),
                                span,
                            ))
                        }
                    }
                }
                match to {
                    Some(to) => Ok(MemberConfig {
                        to,
                        weight,
                        priority,
                    }),
                    None => Err(located("an upstream table needs `to = \"DESCRIPTION\"`".into(), span)),
                }
            }
            other => Err(located(
                format!(
                    "an upstream is a description or a table {{ to = .., weight = .., priority = .. }}, not a {}",
                    other.type_str()
                ),
                span,
            )),
        }
    }

    /// `balance = "round-robin"`: a known name, or an error with the closest one.
    fn balance(
        &self,
        value: &Spanned<String>,
        relay: Option<&str>,
    ) -> Result<Balance, ConfigError> {
        value.get_ref().parse::<Balance>().map_err(|e| {
            let mut error = self.error(Some(value.span()), e.to_string());
            error.relay = relay.map(str::to_string);
            error
        })
    }

    /// `health = { interval = "5s", timeout = "2s", ... }`.
    fn health(
        &self,
        value: Spanned<RawHealth>,
        relay: Option<&str>,
    ) -> Result<Health, ConfigError> {
        let span = value.span();
        let raw = value.into_inner();
        let mut health = Health::default();
        if let Some(failures) = raw.failures {
            let n = *failures.get_ref();
            if !(1..=i64::from(u32::MAX)).contains(&n) {
                let mut error = self.error(
                    Some(failures.span()),
                    format!("health `failures` is a count of at least 1, not {n}"),
                );
                error.relay = relay.map(str::to_string);
                return Err(error);
            }
            health = health.failures(n as u32);
        }
        let backoff = raw.backoff.map(|b| self.duration(&b, relay)).transpose()?;
        let max_backoff = raw
            .max_backoff
            .map(|b| self.duration(&b, relay))
            .transpose()?;
        if backoff.is_some() || max_backoff.is_some() {
            let backoff = backoff.unwrap_or(health.backoff);
            health = health.backoff(
                backoff,
                max_backoff.unwrap_or(health.max_backoff.max(backoff)),
            );
        }
        if let Some(limit) = raw.connect_timeout {
            health = health.connect_timeout(self.duration(&limit, relay)?);
        }
        let timeout = raw.timeout.map(|t| self.duration(&t, relay)).transpose()?;
        match raw.interval.map(|i| (i.span(), self.duration(&i, relay))) {
            Some((at, Ok(interval))) if interval.is_zero() => {
                let mut error =
                    self.error(Some(at), "health `interval` must be more than 0".into());
                error.relay = relay.map(str::to_string);
                return Err(error);
            }
            Some((_, interval)) => {
                health = health.check(interval?, timeout.unwrap_or(health.timeout));
            }
            None if timeout.is_some() => {
                let mut error = self.error(
                    Some(span),
                    "health `timeout` is for active checks: give `interval` too".into(),
                );
                error.relay = relay.map(str::to_string);
                return Err(error);
            }
            None => {}
        }
        Ok(health)
    }

    fn duration(
        &self,
        value: &Spanned<toml::Value>,
        relay: Option<&str>,
    ) -> Result<Duration, ConfigError> {
        let parsed = match value.get_ref() {
            toml::Value::String(text) => parse_duration(text),
            toml::Value::Integer(seconds) if *seconds >= 0 => {
                Ok(Duration::from_secs(*seconds as u64))
            }
            other => Err(format!(
                "is not a duration: a {} (like \"5s\", \"250ms\", \"1m\", or a number of seconds)",
                other.type_str()
            )),
        };
        parsed.map_err(|message| {
            let mut error = self.error(Some(value.span()), format!("duration {message}"));
            error.relay = relay.map(str::to_string);
            error
        })
    }
}

/// The locator, for one relay, as the routes table reports through it.
struct InRelay<'a>(&'a Locator<'a>, Option<&'a str>);

impl routes::Report for InRelay<'_> {
    type Error = ConfigError;

    fn client(&self, value: &Spanned<String>) -> Result<ClientDescription, ConfigError> {
        self.0.description(value, self.1)
    }

    fn at(&self, span: Range<usize>, message: String) -> ConfigError {
        let mut error = self.0.error(Some(span), message);
        error.relay = self.1.map(str::to_string);
        error
    }

    fn in_route(&self, mut error: ConfigError, key: &str) -> ConfigError {
        error.message = format!("route {key:?}: {}", error.message);
        error
    }
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// The `name = "..."` of the `[[relay]]` table that contains `span`, found in the text (serde
/// reports an unknown key before the table's name is known).
fn relay_around(text: &str, span: Option<Range<usize>>) -> Option<String> {
    let offset = span?.start.min(text.len());
    let table_start = text.get(..offset)?.rfind("[[relay]]")?;
    let rest = &text[table_start + "[[relay]]".len()..];
    let table = rest.split("\n[").next().unwrap_or(rest);
    let value: toml::Table = toml::from_str(table).ok().or_else(|| {
        // The table itself is broken: look for its name line alone.
        table
            .lines()
            .find(|l| l.trim_start().starts_with("name"))
            .and_then(|l| toml::from_str(l).ok())
    })?;
    value.get("name")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_characters() {
        assert_eq!(line_column("a\nbé c", 0), (1, 1));
        assert_eq!(line_column("a\nbé c", 2), (2, 1));
        assert_eq!(line_column("a\nbé c", 5), (2, 3));
    }

    #[test]
    fn unknown_keys_are_located_and_named() {
        let text = "[[relay]]\nname = \"web\"\nlisten = \"x\"\nto = \"y\"\nretires = 3\n";
        let error = ServeConfig::parse(text, "f.toml").unwrap_err();
        assert_eq!((error.line, error.column), (Some(5), Some(1)), "{error}");
        assert_eq!(error.relay.as_deref(), Some("web"));
        assert!(error.message.contains("retires"), "{error}");
    }

    #[test]
    fn a_relay_without_to_is_refused() {
        // Linked for `tcp:`: the listener parses, then `to` (or `routes`) is looked for.
        use endpoint_tcp as _;
        let error =
            ServeConfig::parse("[[relay]]\nname = \"a\"\nlisten = \"tcp:80\"\n", "f").unwrap_err();
        assert!(error.message.contains("missing field `to`"), "{error}");
    }

    #[test]
    fn bad_durations_say_what_a_duration_looks_like() {
        let text = "[[relay]]\nname = \"a\"\nlisten = []\nto = \"y\"\n";
        let error = ServeConfig::parse(text, "f").unwrap_err();
        assert!(error.message.contains("`listen` is empty"), "{error}");
    }
}
