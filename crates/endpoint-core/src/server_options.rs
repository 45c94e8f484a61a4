//! The options every server description takes, claimed by the registry rather than by a kind
//! and applied to the listener: `maxConnections=`, `maxHandshakes=`,
//! `maxHandshakesPerSource=`, `maxHandshakeTime=`, and admission by address (`allow=`,
//! `deny=`, `allowUid=`, `allowGid=`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::address::Address;
use crate::admission::Admission;
use crate::description::tree::Description;
use crate::description::{format_seconds, parse_cidr_list, parse_integer, parse_seconds, Value};
use crate::endpoint::ServerEndpoint;
use crate::error::{Error, Result};
use crate::future::BoxFuture;
use crate::handshakes::HandshakeLimits;
use crate::kind::Kind;
use crate::listener::Listener;
use crate::option::{OptionSpec, OptionType};

const MAX_CONNECTIONS: &str = "maxConnections";
const MAX_HANDSHAKES: &str = "maxHandshakes";
const MAX_HANDSHAKES_PER_SOURCE: &str = "maxHandshakesPerSource";
const MAX_HANDSHAKE_TIME: &str = "maxHandshakeTime";
const ALLOW: &str = "allow";
const DENY: &str = "deny";
const ALLOW_UID: &str = "allowUid";
const ALLOW_GID: &str = "allowGid";

/// The options every server description takes, whatever its kind and layers
/// (`tls+tcp:443:certificate=c.pem:maxConnections=1000:maxHandshakesPerSource=16`): the
/// registry applies them to the listener. `endpoint kinds` lists them after the kinds.
///
/// The handshake options matter for listeners with layers (TLS, WebSocket, PROXY), whose
/// accepted connections spend a while in handshakes; see
/// [`Listener::with_handshake_limits`] and [`Listener::with_max_connections`].
///
/// `allow=`/`deny=` (comma-separated CIDRs) and `allowUid=`/`allowGid=` (comma-separated
/// numbers, unix peers only) say who may connect at all; a refused connection is closed
/// before any handshake. See [`Admission`] for the rules and [`Listener::with_admission`]
/// for where they are judged (after a trusted PROXY header, on the address it carries).
///
/// # Examples
/// ```
/// let names: Vec<_> = endpoint_core::SERVER_OPTIONS.iter().map(|o| o.name).collect();
/// assert_eq!(
///     names,
///     [
///         "maxConnections",
///         "maxHandshakes",
///         "maxHandshakesPerSource",
///         "maxHandshakeTime",
///         "allow",
///         "deny",
///         "allowUid",
///         "allowGid",
///     ]
/// );
///
/// // Who may connect: deny= wins over allow=.
/// let endpoint = endpoints::server_from_string("tcp:0:allow=10.0.0.0/8:deny=10.0.0.1")?;
/// assert_eq!(
///     endpoint.to_string(),
///     "tcp:0:interface=:backlog=50:allow=10.0.0.0/8:deny=10.0.0.1/32"
/// );
/// # Ok::<(), endpoint_core::Error>(())
/// ```
pub static SERVER_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        MAX_CONNECTIONS,
        OptionType::Integer,
        "hold at most N live connections, counted from accept; at N, stop accepting until one \
         ends, or close a connection still in its handshakes to admit the next",
    )
    .extension(),
    OptionSpec::new(
        MAX_HANDSHAKES,
        OptionType::Integer,
        "connections in their layers' handshakes at once; when full, the oldest handshake of \
         the source holding the most is closed for a newcomer (accepting never stops)",
    )
    .default("1024")
    .extension(),
    OptionSpec::new(
        MAX_HANDSHAKES_PER_SOURCE,
        OptionType::Integer,
        "pending handshakes one source (IPv4 address, IPv6 /64) may hold; a source at the \
         limit loses its own oldest one when it connects again (raise it behind a load \
         balancer that hides the clients' addresses)",
    )
    .default("64")
    .extension(),
    OptionSpec::new(
        MAX_HANDSHAKE_TIME,
        OptionType::Seconds,
        "seconds a connection may spend in all its layers' handshakes together, on top of \
         each layer's own timeout (default: only the layers' timeouts)",
    )
    .extension(),
    OptionSpec::new(
        ALLOW,
        OptionType::List,
        "admit only clients in these networks (comma-separated CIDRs, e.g. \
         10.0.0.0/8,fd00\\:\\:/8 with IPv6 colons escaped); others are closed before any \
         handshake and counted. Judged on the real client address: after a PROXY header from \
         a trusted sender, the one it carries. IPv4-mapped IPv6 peers count as IPv4; deny= \
         wins (default: everyone not denied)",
    )
    .extension(),
    OptionSpec::new(
        DENY,
        OptionType::List,
        "refuse clients in these networks (comma-separated CIDRs), even when allow= names \
         them: closed before any handshake and counted",
    )
    .extension(),
    OptionSpec::new(
        ALLOW_UID,
        OptionType::Integers,
        "unix listeners: admit only peers whose user id is one of these (comma-separated), \
         or whose group allowGid= names; others are closed on accept and counted",
    )
    .extension(),
    OptionSpec::new(
        ALLOW_GID,
        OptionType::Integers,
        "unix listeners: admit only peers whose group id is one of these (comma-separated), \
         or whose user allowUid= names",
    )
    .extension(),
];

/// The values of [`SERVER_OPTIONS`] one description gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ServerOptions {
    max_connections: Option<usize>,
    handshakes: HandshakeLimits,
    admission: Admission,
}

impl ServerOptions {
    /// True when nothing differs from a plain listener.
    pub(crate) fn is_default(&self) -> bool {
        *self == ServerOptions::default()
    }

    /// Takes every server option out of `keywords` (the last of each wins), leaving the
    /// kinds' own.
    ///
    /// # Errors
    /// [`Error::Option`] for a value that is not a positive number.
    pub(crate) fn take(
        input: &str,
        parts: &[&Kind],
        keywords: &mut Vec<(Value, Value)>,
    ) -> Result<ServerOptions> {
        let mut options = ServerOptions::default();
        for (name, value) in keywords.iter() {
            let refuse = |reason: String| Error::Option {
                input: input.to_owned(),
                kind: parts.iter().map(|k| k.name).collect::<Vec<_>>().join("+"),
                option: name.text.clone(),
                position: value.position,
                reason,
                accepted: SERVER_OPTIONS.iter().map(|o| o.name.to_owned()).collect(),
                suggestion: None,
            };
            let count = |what: &str| {
                parse_integer(&value.text)
                    .ok()
                    .filter(|n| (1..=u64::from(u32::MAX)).contains(n))
                    .map(|n| n as usize)
                    .ok_or_else(|| {
                        refuse(format!(
                            "is not a number of {what} above 0: \"{}\"",
                            value.text
                        ))
                    })
            };
            match name.text.as_str() {
                MAX_CONNECTIONS => options.max_connections = Some(count("connections")?),
                MAX_HANDSHAKES => {
                    options.handshakes = options.handshakes.max_pending(count("handshakes")?);
                }
                MAX_HANDSHAKES_PER_SOURCE => {
                    options.handshakes = options.handshakes.max_per_source(count("handshakes")?);
                }
                MAX_HANDSHAKE_TIME => {
                    let time = parse_seconds(&value.text)
                        .ok()
                        .filter(|t| !t.is_zero() && *t <= MAX_TIME)
                        .ok_or_else(|| {
                            refuse(format!(
                                "is not a number of seconds above 0 (at most a day): \"{}\"",
                                value.text
                            ))
                        })?;
                    options.handshakes = options.handshakes.max_time(Some(time));
                }
                ALLOW | DENY => {
                    let networks = parse_cidr_list(&value.text).map_err(&refuse)?;
                    options.admission = if name.text == ALLOW {
                        options.admission.allow(networks)
                    } else {
                        options.admission.deny(networks)
                    };
                }
                ALLOW_UID | ALLOW_GID => {
                    let ids = parse_ids(&value.text).map_err(&refuse)?;
                    options.admission = if name.text == ALLOW_UID {
                        options.admission.allow_uids(ids)
                    } else {
                        options.admission.allow_gids(ids)
                    };
                }
                _ => {}
            }
        }
        keywords.retain(|(n, _)| !SERVER_OPTIONS.iter().any(|o| o.name == n.text));
        Ok(options)
    }

    /// Wraps `inner` so its listeners get these options (`inner` itself when there are none).
    pub(crate) fn apply(self, inner: Arc<dyn ServerEndpoint>) -> Arc<dyn ServerEndpoint> {
        if self.is_default() {
            return inner;
        }
        Arc::new(Limited {
            inner,
            options: self,
        })
    }

    /// `description` with these options after it, each only when it says something (a
    /// default written out describes like one left out).
    fn describe(&self, description: Description) -> Description {
        let defaults = HandshakeLimits::default();
        let limits = self.handshakes;
        let mut description = description;
        if let Some(max) = self.max_connections {
            description = description.common(MAX_CONNECTIONS, max);
        }
        if limits.pending() != defaults.pending() {
            description = description.common(MAX_HANDSHAKES, limits.pending());
        }
        if limits.per_source() != defaults.per_source() {
            description = description.common(MAX_HANDSHAKES_PER_SOURCE, limits.per_source());
        }
        if let Some(time) = limits.time() {
            description = description.common(MAX_HANDSHAKE_TIME, format_seconds(time));
        }
        let admission = &self.admission;
        for (name, list) in [(ALLOW, admission.allowed()), (DENY, admission.denied())] {
            if !list.is_empty() {
                description = description.common(name, join(list));
            }
        }
        for (name, ids) in [
            (ALLOW_UID, admission.allowed_uids()),
            (ALLOW_GID, admission.allowed_gids()),
        ] {
            if !ids.is_empty() {
                description = description.common(name, join(ids));
            }
        }
        description
    }
}

/// `a,b,c`.
fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// `allowUid=`/`allowGid=`'s value: comma-separated user or group ids.
fn parse_ids(text: &str) -> std::result::Result<Vec<u32>, String> {
    text.split(',')
        .map(|item| {
            let item = item.trim();
            parse_integer(item)
                .ok()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    format!(
                        "is not a comma-separated list of numeric ids: \"{item}\" is not a \
                         number from 0 to {}",
                        u32::MAX
                    )
                })
        })
        .collect()
}

/// The longest `maxHandshakeTime=` taken: longer is surely a typo, and a timer that far out
/// is no limit.
const MAX_TIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A server endpoint whose listeners get the [`SERVER_OPTIONS`] its description gave.
#[derive(Debug)]
struct Limited {
    inner: Arc<dyn ServerEndpoint>,
    options: ServerOptions,
}

impl ServerEndpoint for Limited {
    /// Binds the inner endpoint and applies the options to its listener.
    ///
    /// # Errors
    /// The inner endpoint's; [`Error::Option`] for `allowUid=`/`allowGid=` on a listener
    /// with no unix socket, or `allow=`/`deny=` on one whose peers have no IP address (unix
    /// sockets without a PROXY layer): rules that would refuse everyone or nobody.
    ///
    /// # Cancel safety
    /// As cancel-safe as the inner endpoint's `bind`.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>> {
        Box::pin(async move {
            let mut listener = self.inner.bind().await?;
            let admission = &self.options.admission;
            if !admission.is_open() {
                self.check_admission(&listener)?;
                listener = listener.with_admission(admission.clone());
            }
            if let Some(max) = self.options.max_connections {
                listener = listener.with_max_connections(max);
            }
            if self.options.handshakes != HandshakeLimits::default() {
                listener = listener.with_handshake_limits(self.options.handshakes);
            }
            Ok(listener)
        })
    }

    fn description(&self) -> Description {
        self.options.describe(self.inner.description())
    }
}

impl Limited {
    /// Refuses admission rules that cannot apply to `listener`'s peers.
    fn check_admission(&self, listener: &Listener) -> Result<()> {
        let admission = &self.options.admission;
        let locals = listener.local_addresses();
        let unix = |a: &Address| matches!(a, Address::Unix(_));
        let misplaced = if admission.judges_credentials() && !locals.iter().any(unix) {
            let option = if admission.allowed_uids().is_empty() {
                ALLOW_GID
            } else {
                ALLOW_UID
            };
            Some((
                option,
                "applies to unix-socket peers only, and this listener has none".to_owned(),
            ))
        } else if admission.judges_addresses()
            && locals.iter().all(unix)
            && !listener.reveals_peer()
        {
            let option = if admission.allowed().is_empty() {
                DENY
            } else {
                ALLOW
            };
            Some((
                option,
                "judges IP addresses, and this unix listener's peers have none (use \
                 allowUid=/allowGid=, or a PROXY layer with trusted= that carries the \
                 client's address)"
                    .to_owned(),
            ))
        } else {
            None
        };
        let Some((option, reason)) = misplaced else {
            return Ok(());
        };
        let input = self.description().to_string();
        let position = input.find(&format!(":{option}=")).map_or(0, |at| at + 1);
        Err(Error::Option {
            kind: self.description().kind().to_owned(),
            input,
            option: option.to_owned(),
            position,
            reason,
            accepted: SERVER_OPTIONS.iter().map(|o| o.name.to_owned()).collect(),
            suggestion: None,
        })
    }
}

/// The inner description with the options after it (`...:maxConnections=N`).
impl fmt::Display for Limited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}
