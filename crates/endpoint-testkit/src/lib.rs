//! What the endpoints workspace's tests, benchmarks and demo share, so that no test file
//! writes it again:
//!
//! - [`TestResult`], the result a test returns, and [`SAFETY`], the limit on anything a test
//!   waits for;
//! - certificates made on the spot with rcgen ([`TestPki`], [`Authority`]);
//! - echo servers on real loopback sockets: [`tcp_echo_server`], [`unix_echo_server`],
//!   [`tls_echo_server`], stopped when their handle is dropped;
//! - [`require_tool`] and [`require`]: skip a test (with a notice) when a program it needs is
//!   missing, except under CI, where that is a failure;
//! - [`eventually`] and [`eventually_blocking`]: bounded polling for a condition, never a
//!   sleep standing in for synchronisation;
//! - [`spawn_ready`]: start a child process and wait for the line that says it is ready;
//! - [`microsocks`] and [`tinyproxy`]: independent proxies on free loopback ports.
//!
//! ```
//! let pki = endpoint_testkit::TestPki::new();
//! assert!(pki.path("server.pem").exists());
//! assert!(pki.arg("ca.pem").ends_with("ca.pem"));
//! ```
#![warn(missing_docs)]

mod basics;
mod dnsmasq;
mod echo;
mod exchange;
mod pki;
mod process;
mod proxies;
mod tools;
mod wait;

pub use basics::{TestResult, SAFETY};
pub use dnsmasq::{require_dnsmasq, Dnsmasq};
pub use echo::{
    tcp_echo_server, tcp_echo_server_on, tls_echo_server, unix_echo_server, EchoServer,
};
pub use exchange::exchange;
pub use pki::{Authority, Issued, TestPki, TlsOverUnix, Usage};
pub use process::{python_server, spawn_ready, Output, ReadyChild};
pub use proxies::{free_port, microsocks, tinyproxy, Proxy};
pub use tools::{require, require_python_module, require_tool};
pub use wait::{eventually, eventually_async, eventually_blocking, NotYet};
