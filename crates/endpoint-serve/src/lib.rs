//! Many relays in one process, changed without a restart and watched from outside: what
//! `endpoint serve FILE` is made of, as parts a program can compose differently.
//!
//! - [`ServeConfig`]: a TOML file of `[[relay]]` tables (`name`, `listen`, `to`, `retry`,
//!   `grace`, and for several upstreams `balance` and `health`) and process-wide keys
//!   (`metrics`), read into description values; every error says `FILE:LINE:COLUMN`, the
//!   relay and, for a description, where in it.
//! - [`Plan`]: what changes between two configurations, relay by relay, by value (a changed
//!   password is a change; the same description written differently is not).
//! - [`Relays`]: the running relays; [`Relays::apply`] carries out a plan without refusing a
//!   connection where the listeners stay the same.
//! - [`Metrics`] and [`metrics_service`]: counters per relay in the OpenMetrics text format
//!   (written by `prometheus-client`), served with `/healthz` over any server description.
//! - [`notify`]: `READY=1`, `RELOADING=1`, `STOPPING=1`, `STATUS=` and the watchdog for
//!   systemd-style supervisors.
//!
//! ```toml
//! metrics = "tcp:9100:interface=127.0.0.1"
//!
//! [[relay]]
//! name = "web"
//! listen = ["tcp:8080", "unix:/run/web.sock"]
//! to = "tcp:127.0.0.1:3000"
//! retry = "30s"   # keep trying a refusing upstream that long
//! grace = "10s"   # on reload or shutdown, open connections may finish that long
//!
//! [[relay]]
//! name = "api"
//! listen = "tcp:8443"
//! # Several upstreams are a pool (endpoint-pool): a failed connect goes on to the next at once.
//! to = ["tcp:10.0.0.1:80", { to = "tcp:10.0.0.2:80", weight = 3 }, { to = "tcp:10.0.0.9:80", priority = 1 }]
//! balance = "weighted"                          # round-robin (default), least-connections, failover
//! health = { interval = "5s", timeout = "2s" }  # also failures = 3, backoff = "1s",
//!                                               # maxBackoff = "30s", connectTimeout = "3s"
//!
//! [[relay]]
//! name = "front"
//! listen = "sni+tcp:443"   # routes need the server name: sni+ (TLS untouched) or a TLS server
//! # In place of `to`: by the server name the client asks for (`*.` matches one label).
//! routes = { "a.example" = "tcp:10.0.0.1:443", "*.b.example" = "tcp:10.0.0.2:443", default = "tcp:10.0.0.3:443" }
//! ```
//!
//! Under `failover`, an upstream without `priority` has its position in the list, so
//! `to = [a, b]` uses b only while a is down. A pooled relay's `/metrics` add, per upstream
//! (labelled by its masked description), `endpoint_upstream_up`,
//! `endpoint_upstream_connections_active` and `endpoint_upstream_connect_failures_total`.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;
mod http;
mod metrics;
pub mod notify;
mod plan;
mod relays;

pub use config::{ConfigError, MemberConfig, PoolConfig, RelayConfig, ServeConfig, DEFAULT_GRACE};
pub use http::{metrics_service, Health};
pub use metrics::{ErrorClass, Metrics, RelayMetrics, ReloadOutcome};
pub use plan::Plan;
pub use relays::{longest_grace, Relays, StartError};
