//! The `unix` kinds, registered with the global registry.

use std::sync::Arc;

use endpoint_core::description::Args;
use endpoint_core::{
    Builder, ClientEndpoint, Kind, OptionSpec, OptionType, Result, ServerEndpoint,
};

use crate::client::UnixClientEndpoint;
use crate::server::UnixServerEndpoint;

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
