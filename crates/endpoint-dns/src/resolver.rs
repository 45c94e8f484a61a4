//! DNS lookups with hickory-resolver: SRV records, and the A and AAAA addresses of a name.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use endpoint_core::BoxFuture;
use endpoint_tcp::Resolve;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::TokioResolver;
use tokio::sync::OnceCell;

use crate::answer::{Answer, Record};
use crate::nameserver::Nameservers;

/// What a pool resolves.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Query {
    /// The SRV records of a `_service._proto.domain` name.
    Srv(String),
    /// Every A and AAAA address of a host, each a member on `port`.
    Hosts { host: String, port: u16 },
}

/// A resolver built at the first lookup (reading the system's configuration is I/O, and
/// parsing does none), shared by a pool and its members.
pub(crate) struct Dns {
    nameservers: Nameservers,
    timeout: Duration,
    resolver: OnceCell<TokioResolver>,
}

impl Dns {
    pub(crate) fn new(nameservers: Nameservers, timeout: Duration) -> Self {
        Dns {
            nameservers,
            timeout,
            resolver: OnceCell::new(),
        }
    }

    async fn resolver(&self) -> io::Result<&TokioResolver> {
        self.resolver
            .get_or_try_init(|| async { self.build() })
            .await
    }

    fn build(&self) -> io::Result<TokioResolver> {
        let (config, mut options) = match &self.nameservers {
            Nameservers::System => hickory_resolver::system_conf::read_system_conf()
                .map_err(|e| io::Error::other(format!("the system's DNS configuration: {e}")))?,
            Nameservers::Addresses(addresses) => {
                let servers = addresses
                    .iter()
                    .map(|address| {
                        let connections = [ConnectionConfig::udp(), ConnectionConfig::tcp()]
                            .into_iter()
                            .map(|mut c| {
                                c.port = address.port();
                                c
                            })
                            .collect();
                        NameServerConfig::new(address.ip(), true, connections)
                    })
                    .collect();
                (
                    ResolverConfig::from_name_servers(servers),
                    ResolverOpts::default(),
                )
            }
        };
        options.timeout = self.timeout;
        options.attempts = 1;
        TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(options)
            .build()
            .map_err(io::Error::other)
    }

    /// Looks `query` up: its records, sorted, and the smallest TTL among them.
    pub(crate) async fn lookup(&self, query: &Query) -> io::Result<Answer> {
        let resolver = self.resolver().await?;
        let now = Instant::now();
        let (mut records, valid_until) = match query {
            Query::Srv(name) => {
                let lookup = resolver.srv_lookup(name.as_str()).await.map_err(failed)?;
                let records: Vec<Record> = lookup
                    .answers()
                    .iter()
                    .filter_map(|record| match &record.data {
                        RData::SRV(srv) if !srv.target.is_root() => Some(Record {
                            priority: srv.priority,
                            weight: srv.weight,
                            host: bare(&srv.target.to_ascii()),
                            port: srv.port,
                            addresses: Vec::new(),
                        }),
                        _ => None,
                    })
                    .collect();
                let mut valid_until = lookup.valid_until();
                let records = self
                    .addresses_of_targets(resolver, records, &mut valid_until)
                    .await?;
                (records, valid_until)
            }
            Query::Hosts { host, port } => {
                let lookup = resolver.lookup_ip(host.as_str()).await.map_err(failed)?;
                let records = lookup
                    .iter()
                    .map(|ip| Record {
                        priority: 0,
                        weight: 1,
                        host: ip.to_string(),
                        port: *port,
                        addresses: vec![ip],
                    })
                    .collect();
                (records, lookup.valid_until())
            }
        };
        if records.is_empty() {
            // No records, only "." targets ("decidedly not available", RFC 2782), or targets
            // without addresses.
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the DNS answer names no target with an address",
            ));
        }
        records.sort();
        records.dedup();
        Ok(Answer {
            records,
            ttl: valid_until.saturating_duration_since(now),
        })
    }
}

impl Dns {
    /// Looks up each SRV target's addresses (one lookup per distinct name, in turn), so an
    /// answer is complete and keeps working while DNS is down; the earliest expiry wins.
    /// A target whose name has no addresses is left out; any other failure fails the
    /// whole lookup (and the last good answer stays).
    async fn addresses_of_targets(
        &self,
        resolver: &TokioResolver,
        records: Vec<Record>,
        valid_until: &mut Instant,
    ) -> io::Result<Vec<Record>> {
        let mut found: Vec<(String, Vec<IpAddr>)> = Vec::new();
        let mut complete = Vec::with_capacity(records.len());
        for mut record in records {
            if let Some((_, addresses)) = found.iter().find(|(h, _)| *h == record.host) {
                record.addresses = addresses.clone();
            } else {
                let addresses = match resolver.lookup_ip(format!("{}.", record.host)).await {
                    Ok(lookup) => {
                        *valid_until = (*valid_until).min(lookup.valid_until());
                        let mut addresses: Vec<IpAddr> = lookup.iter().collect();
                        addresses.sort();
                        addresses.dedup();
                        addresses
                    }
                    Err(e) if e.is_no_records_found() || e.is_nx_domain() => {
                        tracing::debug!(target = %record.host, "an SRV target has no addresses");
                        Vec::new()
                    }
                    Err(e) => return Err(failed(e)),
                };
                found.push((record.host.clone(), addresses.clone()));
                record.addresses = addresses;
            }
            if !record.addresses.is_empty() {
                complete.push(record);
            }
        }
        Ok(complete)
    }
}

/// A name as text without its final dot (`a.test.` → `a.test`), as TLS and logs want it.
fn bare(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_owned()
}

fn failed(e: NetError) -> io::Error {
    let kind = if e.is_no_records_found() || e.is_nx_domain() {
        io::ErrorKind::NotFound
    } else {
        io::ErrorKind::Other
    };
    io::Error::new(kind, e)
}

/// The addresses a record came with: a member's "resolver", so it connects to what the last
/// good answer said without asking DNS again.
pub(crate) struct Fixed(pub Vec<IpAddr>);

impl Resolve for Fixed {
    fn resolve(&self, _: &str, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let addresses = self.0.iter().map(|ip| SocketAddr::new(*ip, port)).collect();
        Box::pin(std::future::ready(Ok(addresses)))
    }
}
