//! The `srv` client kind: a pool over the targets of a name's SRV records.

use std::fmt;
use std::time::Duration;

use endpoint_core::description::{Args, Description};
use endpoint_core::{Authority, BoxFuture, ClientEndpoint, Connection, Result};

use crate::answer::Record;
use crate::discovered::Discovered;
use crate::discovery::DiscoveryStatus;
use crate::nameserver::Nameservers;
use crate::resolver::{Dns, Query};
use crate::service::{check_srv_name, domain_of};
use crate::target::MemberSettings;

/// Connects to one of the targets a name's SRV records list
/// (`srv:_service._proto.domain`), chosen as RFC 2782 says.
///
/// Targets are tried lowest priority first; within one priority connections are spread in
/// proportion to the weights (an [`endpoint_pool::Pool`] per priority, smooth weighted
/// round-robin, with its passive health), and a higher priority is used only when every
/// target of the lower ones failed; each is a `tcp:` connection to the record's target and port,
/// which records the target ([`Reached`](endpoint_core::Reached)) so a `tls+` layer above
/// verifies each target by its own name. The records are looked up at the first connect and
/// again when their TTL runs out (at least 1 s, at most 5 min apart); while DNS fails the last
/// good answer stays in use.
///
/// # Examples
/// ```
/// use endpoint_dns::SrvClientEndpoint;
/// let e: SrvClientEndpoint = "srv:_https._tcp.example.com".parse().unwrap();
/// assert_eq!(e.to_string(), "srv:_https._tcp.example.com:dnsTimeout=5:timeout=30");
/// let e: SrvClientEndpoint =
///     r"srv:_x._tcp.svc.test:nameserver=127.0.0.1\:5353:timeout=2".parse().unwrap();
/// assert_eq!(
///     e.to_string(),
///     r"srv:_x._tcp.svc.test:nameserver=127.0.0.1\:5353:dnsTimeout=5:timeout=2"
/// );
/// let error = "srv:http.tcp".parse::<SrvClientEndpoint>().unwrap_err();
/// assert!(error.to_string().contains("_http._tcp.example.com"), "{error}");
/// ```
pub struct SrvClientEndpoint {
    name: String,
    nameservers: Nameservers,
    dns_timeout: Duration,
    settings: MemberSettings,
    pool: Discovered,
}

impl SrvClientEndpoint {
    /// Builds the endpoint from a `srv` description's arguments.
    pub(crate) fn from_args(mut args: Args) -> Result<Self> {
        args.at_most_positionals(1, "name")?;
        let name = args.param("name", 0)?;
        let name = args.required("name", name)?;
        if let Err((reason, suggestion)) = check_srv_name(&name.text) {
            let mut error = args.invalid("name", name.position, reason);
            if let endpoint_core::Error::Option { suggestion: s, .. } = &mut error {
                *s = suggestion.map(|fixed| format!("srv:{fixed}"));
            }
            return Err(error);
        }
        let nameservers = Nameservers::from_args(&mut args)?;
        let dns_timeout = args.get("dnsTimeout")?;
        let settings = MemberSettings::from_args(&mut args)?;
        args.finish()?;
        Ok(Self::new(name.text, nameservers, dns_timeout, settings))
    }

    fn new(
        name: String,
        nameservers: Nameservers,
        dns_timeout: Duration,
        settings: MemberSettings,
    ) -> Self {
        let dns = std::sync::Arc::new(Dns::new(nameservers.clone(), dns_timeout));
        let label = format!("srv:{name}");
        let pool = Discovered::new(
            dns,
            Query::Srv(name.clone()),
            settings.clone(),
            label,
            reached,
        );
        SrvClientEndpoint {
            name,
            nameservers,
            dns_timeout,
            settings,
            pool,
        }
    }

    /// The SRV name resolved.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How resolution has gone: answers, failures, member changes, and whether the last good
    /// answer is in use because DNS fails.
    pub fn status(&self) -> DiscoveryStatus {
        self.pool.status()
    }

    /// The current members as `tcp:` descriptions with their priority and weight, in the
    /// order of the records (empty before the first connect).
    pub fn members(&self) -> Vec<(String, u16, u16)> {
        self.pool
            .members()
            .iter()
            .map(|(endpoint, priority, weight)| (endpoint.to_string(), *priority, *weight))
            .collect()
    }
}

/// A member's connections record the SRV target and port they reached.
fn reached(_: &Query, record: &Record) -> Authority {
    Authority::new(record.host.as_str(), record.port)
}

impl ClientEndpoint for SrvClientEndpoint {
    /// Resolves the SRV records at the first call (and in the background when their TTL ran
    /// out), then connects through the lowest priority whose targets can be reached.
    ///
    /// # Errors
    /// [`Error::Io`](endpoint_core::Error::Io) "could not resolve" when the first lookup
    /// fails; else the last target's error when none connects.
    ///
    /// # Cancel safety
    /// Dropping the future closes the sockets it opened; a lookup it started in the
    /// background finishes and is kept.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(self.pool.connect(self))
    }

    /// The SRV name with port 0: what the endpoint is, not where a connection goes (each
    /// connection records its target as [`Reached`](endpoint_core::Reached)).
    fn authority(&self) -> Option<Authority> {
        let name = self.name.strip_suffix('.').unwrap_or(&self.name);
        Some(Authority::new(name, 0))
    }

    fn description(&self) -> Description {
        let text = Description::new("srv")
            .arg(&self.name)
            .option_some("nameserver", self.nameservers.option())
            .seconds("dnsTimeout", self.dns_timeout);
        self.settings.write(text)
    }
}

impl SrvClientEndpoint {
    /// The domain the SRV name is for (`example.com` for `_https._tcp.example.com`).
    pub fn domain(&self) -> &str {
        domain_of(&self.name)
    }
}

impl fmt::Display for SrvClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl fmt::Debug for SrvClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrvClientEndpoint")
            .field("name", &self.name)
            .field("nameservers", &self.nameservers)
            .field("dns_timeout", &self.dns_timeout)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl PartialEq for SrvClientEndpoint {
    /// Equal when their descriptions are (the resolution state is not compared).
    fn eq(&self, other: &Self) -> bool {
        (
            &self.name,
            &self.nameservers,
            self.dns_timeout,
            &self.settings,
        ) == (
            &other.name,
            &other.nameservers,
            other.dns_timeout,
            &other.settings,
        )
    }
}
