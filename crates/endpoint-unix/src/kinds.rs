//! The kinds of this crate (`unix`, `systemd`, `stdio`, `exec`), registered with the global
//! registry.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{
    Builder, ClientEndpoint, Kind, OptionSpec, OptionType, Result, ServerEndpoint,
};

use crate::client::UnixClientEndpoint;
use crate::exec::ExecClientEndpoint;
use crate::server::UnixServerEndpoint;
use crate::stdio::StdioServerEndpoint;
use crate::systemd::SystemdServerEndpoint;

/// The `unix` server kind's options, in Twisted's positional order.
static SERVER_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "address",
        OptionType::Path,
        "socket file to listen on; @name for Linux's abstract namespace (./@name for a file)",
    ),
    OptionSpec::new(
        "mode",
        OptionType::Mode,
        "permissions of the socket file, set exactly",
    )
    .default("666"),
    OptionSpec::new(
        "backlog",
        OptionType::Integer,
        "connections the kernel queues",
    )
    .default("50"),
    OptionSpec::new(
        "lockfile",
        OptionType::Flag,
        "guard the path with a <address>.lock PID lock; a stale socket file is then replaced",
    )
    .default("1"),
];

/// The `unix` client kind's options.
static CLIENT_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "path",
        OptionType::Path,
        "socket file to connect to; @name for Linux's abstract namespace",
    ),
    OptionSpec::new(
        "timeout",
        OptionType::Seconds,
        "give up connecting after this long",
    )
    .default("30"),
    OptionSpec::new(
        "lockfile",
        OptionType::Flag,
        "first check that a live process holds <path>.lock",
    )
    .default("0"),
    OptionSpec::new(
        "checkPID",
        OptionType::Flag,
        "the same as lockfile (Twisted's name)",
    ),
];

fn server(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(UnixServerEndpoint::from_args(args)?))
}

fn client(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(UnixClientEndpoint::from_args(args)?))
}

/// The `unix` server kind.
pub(crate) const SERVER_KIND: Kind = Kind {
    name: "unix",
    summary: "unix-domain socket server (a socket file or an @abstract name)",
    positional: &["address"],
    options: SERVER_OPTIONS,
    builder: Builder::Server(server),
};

/// The `unix` client kind.
pub(crate) const CLIENT_KIND: Kind = Kind {
    name: "unix",
    summary: "unix-domain socket client (a socket file or an @abstract name)",
    positional: &["path"],
    options: CLIENT_OPTIONS,
    builder: Builder::Client(client),
};

endpoint_core::inventory::submit! { SERVER_KIND }
endpoint_core::inventory::submit! { CLIENT_KIND }

/// The `systemd` server kind's options, in Twisted's positional order.
static SYSTEMD_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "domain",
        OptionType::Text,
        "address family of the passed socket: INET, INET6 or UNIX (capitals, as in Twisted)",
    ),
    OptionSpec::new(
        "index",
        OptionType::Integer,
        "adopt descriptor 3+index (give index or name, not both)",
    ),
    OptionSpec::new(
        "name",
        OptionType::Text,
        "adopt the descriptor with this name in LISTEN_FDNAMES (systemd's FileDescriptorName=)",
    ),
];

/// The `exec` client kind's options.
static EXEC_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "program",
        OptionType::Text,
        "program to run (then one positional per argument: exec:PROGRAM:ARG:ARG...)",
    ),
    OptionSpec::new(
        "stderr",
        OptionType::Text,
        "where the child's stderr goes: inherit (ours) or null",
    )
    .default("inherit"),
    OptionSpec::new(
        "cwd",
        OptionType::Path,
        "working directory of the child (default: ours)",
    ),
];

fn systemd(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(SystemdServerEndpoint::from_args(args)?))
}

fn stdio(args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    Ok(Arc::new(StdioServerEndpoint::from_args(args)?))
}

fn exec(args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    Ok(Arc::new(ExecClientEndpoint::from_args(args)?))
}

/// The `systemd` server kind (socket activation).
pub(crate) const SYSTEMD_KIND: Kind = Kind {
    name: "systemd",
    summary: "adopt a listening socket passed by systemd socket activation (LISTEN_FDS)",
    positional: &["domain", "index", "name"],
    options: SYSTEMD_OPTIONS,
    builder: Builder::Server(systemd),
};

/// The `stdio` server kind (inetd style).
pub(crate) const STDIO_KIND: Kind = Kind {
    name: "stdio",
    summary: "standard input and output as one connection (inetd style); arguments are ignored",
    positional: &[],
    options: &[],
    builder: Builder::Server(stdio),
};

/// The `exec` client kind.
pub(crate) const EXEC_KIND: Kind = Kind {
    name: "exec",
    summary: "run a program; its stdout and stdin are the connection (exec:PROGRAM:ARG...)",
    positional: &["program"],
    options: EXEC_OPTIONS,
    builder: Builder::Client(exec),
};

endpoint_core::inventory::submit! { SYSTEMD_KIND }
endpoint_core::inventory::submit! { STDIO_KIND }
endpoint_core::inventory::submit! { EXEC_KIND }
