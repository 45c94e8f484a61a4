//! The kinds of this crate (`unix`, `systemd`, `stdio`, and `exec` with the `exec` feature),
//! registered with the global registry.

use std::str::FromStr;
use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{ClientEndpoint, Error, Kind, Result, ServerEndpoint};

use crate::client::UnixClientEndpoint;
#[cfg(feature = "exec")]
use crate::exec::ExecClientEndpoint;
use crate::server::UnixServerEndpoint;
#[cfg(feature = "exec")]
use crate::specs::EXEC_OPTIONS;
use crate::specs::{SYSTEMD_OPTIONS, UNIX_CLIENT_OPTIONS, UNIX_SERVER_OPTIONS};
use crate::stdio::StdioServerEndpoint;
use crate::systemd::SystemdServerEndpoint;

fn server(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(UnixServerEndpoint::from_args(args)?))
}

fn client(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(UnixClientEndpoint::from_args(args)?))
}

/// The `unix` server kind.
static UNIX_SERVER: Kind = Kind::server(
    "unix",
    "unix-domain socket server (a socket file or an @abstract name)",
    UNIX_SERVER_OPTIONS,
    server,
)
.positional(&["address"]);

/// The `unix` client kind.
static UNIX_CLIENT: Kind = Kind::client(
    "unix",
    "unix-domain socket client (a socket file or an @abstract name)",
    UNIX_CLIENT_OPTIONS,
    client,
)
.positional(&["path"]);

endpoint_core::inventory::submit! { UNIX_SERVER }
endpoint_core::inventory::submit! { UNIX_CLIENT }

fn systemd(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(SystemdServerEndpoint::from_args(args)?))
}

fn stdio(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(StdioServerEndpoint::from_args(args)?))
}

#[cfg(feature = "exec")]
fn exec(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(ExecClientEndpoint::from_args(args)?))
}

/// The `systemd` server kind (socket activation).
static SYSTEMD_SERVER: Kind = Kind::server(
    "systemd",
    "adopt a listening socket passed by systemd socket activation (LISTEN_FDS)",
    SYSTEMD_OPTIONS,
    systemd,
)
.positional(&["domain", "index", "name"]);

/// The `stdio` server kind (inetd style).
static STDIO_SERVER: Kind = Kind::server(
    "stdio",
    "standard input and output as one connection (inetd style); arguments are ignored",
    &[],
    stdio,
);

/// The `exec` client kind: runs a program, so only with the `exec` feature (SECURITY.md).
#[cfg(feature = "exec")]
static EXEC_CLIENT: Kind = Kind::client(
    "exec",
    "run a program; its stdout and stdin are the connection (exec:PROGRAM:ARG...)",
    EXEC_OPTIONS,
    exec,
)
.positional(&["program"]);

endpoint_core::inventory::submit! { SYSTEMD_SERVER }
endpoint_core::inventory::submit! { STDIO_SERVER }
#[cfg(feature = "exec")]
endpoint_core::inventory::submit! { EXEC_CLIENT }

impl FromStr for UnixServerEndpoint {
    type Err = Error;

    /// Parses a `unix` server description (the kind only, no layers).
    fn from_str(s: &str) -> Result<Self> {
        Self::from_args(UNIX_SERVER.args(s)?)
    }
}

impl FromStr for UnixClientEndpoint {
    type Err = Error;

    /// Parses a `unix` client description (the kind only, no layers).
    fn from_str(s: &str) -> Result<Self> {
        Self::from_args(UNIX_CLIENT.args(s)?)
    }
}

impl FromStr for SystemdServerEndpoint {
    type Err = Error;

    /// Parses a `systemd` description.
    fn from_str(s: &str) -> Result<Self> {
        Self::from_args(SYSTEMD_SERVER.args(s)?)
    }
}

impl FromStr for StdioServerEndpoint {
    type Err = Error;

    /// Parses a `stdio` description.
    fn from_str(s: &str) -> Result<Self> {
        Self::from_args(STDIO_SERVER.args(s)?)
    }
}

#[cfg(feature = "exec")]
impl FromStr for ExecClientEndpoint {
    type Err = Error;

    /// Parses an `exec` description.
    fn from_str(s: &str) -> Result<Self> {
        Self::from_args(EXEC_CLIENT.args(s)?)
    }
}
