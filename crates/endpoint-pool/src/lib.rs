//! Pools of client endpoints: several upstreams as one [`ClientEndpoint`](endpoint_core::ClientEndpoint).
//!
//! A [`Pool`] is a list of [`Member`]s (client endpoints with a weight and a priority) and a
//! [`Balance`] strategy. Each [`connect`](endpoint_core::ClientEndpoint::connect) picks a member:
//! round-robin, weighted (smooth, interleaved), least-connections (per unit of weight), or
//! failover (the lowest priority group with a member up). A member that fails is left at once
//! for the next one, each member at most once per connect, so a client sees a refusal only
//! when every member refused. A dead member costs a client at most that member's own connect
//! time (a refusal is immediate; a silent host costs its `timeout=`), and only until it is
//! marked down.
//!
//! # Health
//! See [`Health`]. Passively, 3 consecutive failed connects (by default) mark a member down
//! for a back-off (1 s, doubling to 30 s on each further failure); once the back-off passes,
//! the next connect tries it again and a success marks it up. Actively
//! ([`Health::check`]), every member is connected to through its whole stack on an interval;
//! a failed or slow probe marks it down at once, a good one up at once. Down members are
//! skipped. **When every member is down, a connect tries them all anyway** (in the
//! strategy's order) rather than refusing every client while a member may have come back;
//! the cost is bounded by the one-try-each rule. Every change of state is logged once (a
//! `warn` when a member goes down, an `info` when it comes back), naming the member by its
//! masked description.
//!
//! [`Pool::members`] gives each member's state (up, open connections, failures) for metrics.
//!
//! # Open connections without wrapping
//! Least-connections needs to know when a connection ends. The pool does not wrap the
//! connection's I/O (a relay still splices plain sockets): it stores an [`Upstream`] guard in
//! the connection's [`ConnectionInfo`](endpoint_core::ConnectionInfo), whose drop counts the
//! connection out, as `maxConnections`' admission guard does for listeners.
//!
//! # Description
//! A pool's [`description`](endpoint_core::ClientEndpoint::description) is its members' descriptions as one
//! merged description ([`Description::merged`](endpoint_core::description::Description::merged)),
//! in list order; `Display` joins the masked descriptions with `", "`. Its
//! [`authority`](endpoint_core::ClientEndpoint::authority) is the one all members share, or `None`. A layer
//! above a pool therefore sees no single kind beneath it; put layers on the members instead
//! (`tls+tcp:a:443`, `tls+tcp:b:443`), which is also what makes health probes handshake.
//!
//! # Changing members
//! [`Pool::watching`] follows a `tokio::sync::watch` channel of member lists (DNS SRV
//! records, a reloaded file): members are identified by description value, so one that stays
//! keeps its health and counts.
//!
//! # Origin
//! The member's connect runs on the caller's task, so a relay's
//! [`connect_for`](endpoint_core::ClientEndpoint::connect_for) origin reaches every member's layers
//! (`haproxy+` names the real client). Health probes run on their own task, without one.
//!
//! # Examples
//! Two backends that say who they are; round-robin alternates, and a dead member is skipped
//! without the client noticing:
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use endpoint_core::ClientEndpoint;
//! use endpoint_pool::{Balance, Member, Pool};
//! use endpoint_tcp::TcpClientEndpoint;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! async fn backend(name: &'static str) -> std::io::Result<u16> {
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//!     let port = listener.local_addr()?.port();
//!     tokio::spawn(async move {
//!         while let Ok((mut socket, _)) = listener.accept().await {
//!             let _ = socket.write_all(name.as_bytes()).await;
//!         }
//!     });
//!     Ok(port)
//! }
//! let member = |port| Member::new(Arc::new(TcpClientEndpoint::new("127.0.0.1", port)));
//! let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await?.local_addr()?.port();
//! let pool = Pool::new(
//!     vec![member(backend("a").await?), member(dead), member(backend("b").await?)],
//!     Balance::RoundRobin,
//! );
//! let mut names = Vec::new();
//! for _ in 0..4 {
//!     let mut connection = pool.connect().await?; // never the dead one's refusal
//!     let mut name = String::new();
//!     connection.read_to_string(&mut name).await?;
//!     names.push(name);
//! }
//! assert_eq!(names, ["a", "b", "b", "a"]);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod balance;
mod checks;
mod exhausted;
mod health;
mod member;
mod pool;
mod state;

pub use balance::{Balance, UnknownBalance};
pub use health::Health;
pub use member::Member;
pub use pool::Pool;
pub use state::{MemberStatus, Upstream};
