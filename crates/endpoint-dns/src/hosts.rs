//! The `dns` client kind: a pool over every address a name resolves to.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use endpoint_core::description::{Args, Description};
use endpoint_core::{Authority, BoxFuture, ClientEndpoint, Connection, Result};

use crate::answer::Record;
use crate::discovered::Discovered;
use crate::discovery::DiscoveryStatus;
use crate::nameserver::Nameservers;
use crate::resolver::{Dns, Query};
use crate::target::MemberSettings;

/// Connects to one of the addresses a name has (`dns:HOST:PORT`): every A and AAAA record is
/// a member (all weigh the same): connections take turns, and a connect that fails goes on to
/// the next address (an [`endpoint_pool::Pool`] with its passive health).
///
/// Where `tcp:HOST:PORT` races a name's addresses and keeps using the fastest, this spreads
/// connections over all of them, and follows the name as its records change (looked up at
/// the first connect and again when the TTL runs out; the last good answer while DNS
/// fails). A `tls+` layer verifies the name, since every member reached it.
///
/// # Examples
/// ```
/// use endpoint_dns::DnsClientEndpoint;
/// let e: DnsClientEndpoint = "dns:backend.test:8080".parse().unwrap();
/// assert_eq!(e.to_string(), "dns:backend.test:8080:dnsTimeout=5:timeout=30");
/// let e: DnsClientEndpoint = r"dns:backend.test:80:nameserver=\:\:1".parse().unwrap();
/// assert_eq!(e.to_string(), r"dns:backend.test:80:nameserver=[\:\:1]\:53:dnsTimeout=5:timeout=30");
/// ```
pub struct DnsClientEndpoint {
    host: String,
    port: u16,
    nameservers: Nameservers,
    dns_timeout: Duration,
    settings: MemberSettings,
    pool: Discovered,
}

impl DnsClientEndpoint {
    /// Builds the endpoint from a `dns` description's arguments.
    pub(crate) fn from_args(mut args: Args) -> Result<Self> {
        let authority = args.host_and_port()?;
        let nameservers = Nameservers::from_args(&mut args)?;
        let dns_timeout = args.get("dnsTimeout")?;
        let settings = MemberSettings::from_args(&mut args)?;
        args.finish()?;
        let (host, port) = (authority.host().to_owned(), authority.port());
        let dns = Arc::new(Dns::new(nameservers.clone(), dns_timeout));
        let query = Query::Hosts {
            host: host.clone(),
            port,
        };
        let pool = Discovered::new(dns, query, settings.clone(), format!("dns:{host}"), reached);
        Ok(DnsClientEndpoint {
            host,
            port,
            nameservers,
            dns_timeout,
            settings,
            pool,
        })
    }

    /// The name resolved.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// How resolution has gone: answers, failures, member changes, and whether the last good
    /// answer is in use because DNS fails.
    pub fn status(&self) -> DiscoveryStatus {
        self.pool.status()
    }

    /// The current members as `tcp:` descriptions (empty before the first connect).
    pub fn members(&self) -> Vec<String> {
        self.pool
            .members()
            .iter()
            .map(|(endpoint, _, _)| endpoint.to_string())
            .collect()
    }
}

/// Every member reached the name itself.
fn reached(query: &Query, record: &Record) -> Authority {
    match query {
        Query::Hosts { host, port } => Authority::new(host.as_str(), *port),
        Query::Srv(_) => Authority::new(record.host.as_str(), record.port),
    }
}

impl ClientEndpoint for DnsClientEndpoint {
    /// Resolves the name at the first call (and in the background when the TTL ran out),
    /// then connects to the next address in turn, trying the others if it fails.
    ///
    /// # Errors
    /// [`Error::Io`](endpoint_core::Error::Io) "could not resolve" when the first lookup
    /// fails; else the last address's error when none connects.
    ///
    /// # Cancel safety
    /// Dropping the future closes the sockets it opened; a lookup it started in the
    /// background finishes and is kept.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(self.pool.connect(self))
    }

    fn authority(&self) -> Option<Authority> {
        Some(Authority::new(self.host.as_str(), self.port))
    }

    fn description(&self) -> Description {
        let text = Description::new("dns")
            .arg(&self.host)
            .arg(self.port)
            .option_some("nameserver", self.nameservers.option())
            .seconds("dnsTimeout", self.dns_timeout);
        self.settings.write(text)
    }
}

impl fmt::Display for DnsClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl fmt::Debug for DnsClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DnsClientEndpoint")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("nameservers", &self.nameservers)
            .field("dns_timeout", &self.dns_timeout)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl PartialEq for DnsClientEndpoint {
    /// Equal when their descriptions are (the resolution state is not compared).
    fn eq(&self, other: &Self) -> bool {
        (
            &self.host,
            self.port,
            &self.nameservers,
            self.dns_timeout,
            &self.settings,
        ) == (
            &other.host,
            other.port,
            &other.nameservers,
            other.dns_timeout,
            &other.settings,
        )
    }
}
