//! The option tables of `unix`, `systemd` and `exec`: the one home of their defaults.

use endpoint_core::{OptionSpec, OptionType};

/// The `unix` server kind's options, in Twisted's positional order.
pub(crate) static UNIX_SERVER_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "address",
        OptionType::Path,
        "socket file to listen on; @name for Linux's abstract namespace (./@name for a file)",
    ),
    OptionSpec::new(
        "mode",
        OptionType::Mode,
        "permissions of the socket file, set exactly (absent: what the umask gives)",
    ),
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
    OptionSpec::new(
        "owner",
        OptionType::Text,
        "user that owns the socket file: a name or a numeric uid (absent: ours)",
    )
    .extension(),
    OptionSpec::new(
        "group",
        OptionType::Text,
        "group of the socket file: a name or a numeric gid (absent: ours)",
    )
    .extension(),
];

/// The `unix` client kind's options.
pub(crate) static UNIX_CLIENT_OPTIONS: &[OptionSpec] = &[
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

/// The `systemd` server kind's options, in Twisted's positional order.
pub(crate) static SYSTEMD_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new(
        "domain",
        OptionType::Text,
        "address family of the passed socket: INET, INET6 or UNIX (capitals, as in Twisted); \
         with name=* it may be left out (any family)",
    ),
    OptionSpec::new(
        "index",
        OptionType::Integer,
        "adopt descriptor 3+index (give index or name, not both)",
    ),
    OptionSpec::new(
        "name",
        OptionType::Text,
        "adopt the descriptor with this name in LISTEN_FDNAMES (systemd's FileDescriptorName=); \
         * adopts every passed descriptor, merged into one listener",
    ),
];

/// The `exec` client kind's options.
#[cfg(feature = "exec")]
pub(crate) static EXEC_OPTIONS: &[OptionSpec] = &[
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
