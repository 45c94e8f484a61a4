//! DNS service discovery for `endpoints`: client kinds whose members come from DNS and follow
//! it as it changes.
//!
//! | description | meaning |
//! |---|---|
//! | `srv:_https._tcp.example.com` | a pool over the SRV records' targets: lowest priority first, by weight within a priority (RFC 2782) |
//! | `tls+srv:_https._tcp.example.com` | the same with TLS, verifying **each target's** name |
//! | `srv:_x._tcp.svc.test:nameserver=127.0.0.1\:5353` | ask this DNS server (tests, split DNS) instead of the system's |
//! | `dns:backend.test:8080` | every A and AAAA address of the name is a member (all weigh the same) |
//! | `dns:backend.test:8080:timeout=2:keepalive=60` | tcp's client options apply to every member |
//!
//! Each form parses to its canonical text, every default written out, and that text parses
//! back to an equal endpoint:
//! ```
//! use endpoint_dns::{DnsClientEndpoint, SrvClientEndpoint};
//!
//! let srv = |text: &str| text.parse::<SrvClientEndpoint>().unwrap().to_string();
//! assert_eq!(srv("srv:_https._tcp.example.com"), "srv:_https._tcp.example.com:dnsTimeout=5:timeout=30");
//! assert_eq!(
//!     srv(r"srv:_x._tcp.svc.test:nameserver=127.0.0.1\:5353,\:\:1:dnsTimeout=1"),
//!     r"srv:_x._tcp.svc.test:nameserver=127.0.0.1\:5353,[\:\:1]\:53:dnsTimeout=1:timeout=30"
//! );
//! let dns = |text: &str| text.parse::<DnsClientEndpoint>().unwrap().to_string();
//! assert_eq!(dns("dns:backend.test:8080:nodelay=0"), "dns:backend.test:8080:dnsTimeout=5:timeout=30:nodelay=0");
//! for text in ["srv:_a._tcp.b.test:timeout=2.5:bindAddress=127.0.0.1", "dns:h.test:1:keepalive=60"] {
//!     let once = endpoints_roundtrip(text);
//!     assert_eq!(endpoints_roundtrip(&once), once);
//! }
//! # fn endpoints_roundtrip(text: &str) -> String {
//! #     endpoint_core::Registry::global().client(text).unwrap().to_string()
//! # }
//! # use endpoint_dns as _;
//! ```
//!
//! # The `srv` client kind
//! `srv:_service._proto.domain` (also `srv:name=...`). The records are looked up at the
//! first connect (parsing does no I/O) and again once the smallest TTL among them has run out
//! (at least 1 s, at most 5 min apart); a connect never waits for a refresh, which runs in the
//! background. While lookups fail (no answer, no server, no records) the last good answer
//! stays in use: logged once when DNS starts failing and once when it answers again, retried
//! after 1 s, then doubling up to 30 s. Only the very first lookup failing fails a connect.
//!
//! Each target is a `tcp:` member connecting to the record's target and port; targets are
//! chosen as RFC 2782 says: the lowest priority first, a higher one only when every target of
//! the lower ones failed; within a priority in proportion to the weights (each priority is an
//! [`endpoint_pool::Pool`] with the `weighted` strategy: smooth weighted round-robin rather
//! than random, and passive health, so a target that failed 3 times running is skipped for
//! a back-off). A weight-0 target beside weighted ones gets about 1 in 100× their share. A target named `.`
//! ("not available here") is skipped. A member's connection carries
//! [`Reached`](endpoint_core::Reached) with the target's name, which `tls+` verifies
//! instead of the SRV name: `tls+srv:_https._tcp.example.com` checks that `a.example.com`'s
//! certificate is valid for `a.example.com`. An explicit `hostname=` on the `tls+` layer
//! still wins (to verify the service's domain on every target, write
//! `tls+srv:_https._tcp.example.com:hostname=example.com`).
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `name` | required | the SRV name, `_service._proto.domain` |
//! | `nameserver` | the system's | DNS servers, comma-separated `IP` or `IP:PORT` (port 53 when left out); colons are escaped in a description like any colon in a value (`127.0.0.1\:5353`, `[\:\:1]\:5353`), as for `bindAddress=` |
//! | `dnsTimeout` | `5` | seconds one DNS query may take |
//! | `timeout` | `30` | seconds each member's connection attempt may take, the target's address lookup included |
//! | `bindAddress` | none | local address each member connects from: an IP, or IP:PORT |
//! | socket options | the system's | tcp's client socket options (`nodelay`, `keepalive`, `rcvbuf`, `sndbuf`, `userTimeout`, `bindToDevice`, `fastOpen`), for every member |
//!
//! # The `dns` client kind
//! `dns:HOST:PORT`: every A and AAAA address of `HOST` is a member on `PORT`, all weighing
//! the same (connections take turns; a failed one goes on to the next); refreshed on the TTL
//! as `srv` is.
//! It takes the same options as `srv` (`nameserver`, `dnsTimeout`, `timeout`, `bindAddress`,
//! socket options). `tls+dns:h:443` verifies `h`.
//!
//! # Egress
//! The members are tcp clients with the egress policy of the registry that parsed the
//! description ([`Registry::guard_egress`](endpoint_core::Registry::guard_egress)), so every
//! address a DNS answer leads to is checked at connect time exactly as tcp checks a name's
//! addresses: an SRV target or A record pointing at a cloud metadata or loopback address
//! is refused unless the policy allows it.
//!
//! # Examples
//! A pool over a test DNS server (here skipped when none is given; the crate's tests run
//! dnsmasq):
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use endpoint_core::ClientEndpoint;
//! use endpoint_dns::SrvClientEndpoint;
//!
//! let pool: SrvClientEndpoint = r"srv:_echo._tcp.svc.test:nameserver=127.0.0.1\:5353".parse()?;
//! let connection = pool.connect().await?;
//! println!("reached {:?}", connection.info().get::<endpoint_core::Reached>());
//! # Ok(()) }
//! ```
//!
//! # Limitations
//! - Members are `tcp:` connections; a record's target cannot name another kind.
//! - Within a priority the choice is smooth weighted round-robin, not random: proportions
//!   hold per pool, not across processes (many clients starting together pick the same
//!   first target). No active health checks (the pools' passive health only).
//! - DNS answers are trusted as the resolver returns them (no DNSSEC validation here): with
//!   `tls+srv:`, whoever controls the SRV records chooses which name is verified. Pin
//!   `hostname=` when that matters.
//! - `ws+srv:` sends the SRV name as its `Host` (the WebSocket layer reads the endpoint's
//!   authority, not the connection's).
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod answer;
mod discovered;
mod discovery;
mod hosts;
mod kinds;
mod nameserver;
mod resolver;
mod service;
pub mod specs;
mod srv;
mod target;

pub use discovery::{DiscoveryStatus, RETRY_CAP, TTL_CAP, TTL_FLOOR};
pub use hosts::DnsClientEndpoint;
pub use nameserver::Nameservers;
pub use srv::SrvClientEndpoint;
pub use target::TargetEndpoint;
