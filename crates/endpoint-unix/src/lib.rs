//! Unix-domain sockets for `endpoints`: the `unix` kind, on both sides, Twisted-compatible;
//! and the kinds a Unix process gets from whoever started it: `systemd` (socket activation),
//! `stdio` (inetd style) and `exec` (a subprocess as the other end).
//!
//! A unix socket is a wire that never leaves the machine. Its end is a socket file
//! (`/run/app.sock`), whose permissions say who may connect, or a name in Linux's abstract
//! namespace (`@app`), which has no file at all. Either way the other end's process, user and
//! group are known: every connection carries [`PeerCredentials`].
//!
//! # A first listen and connect
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use endpoint_core::Registry;
//! use endpoint_unix::PeerCredentials;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let dir = tempfile::tempdir()?;
//! let path = endpoint_core::description::quote(&dir.path().join("app.sock").to_string_lossy());
//! let server = Registry::global().server(&format!("unix:{path}:mode=660"))?;
//! let client = Registry::global().client(&format!("unix:{path}"))?;
//!
//! let mut listener = server.bind().await?;
//! let (mut accepted, mut connected) = tokio::try_join!(listener.accept(), client.connect())?;
//! connected.write_all(b"hello").await?;
//! let mut buf = [0; 5];
//! accepted.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"hello");
//! let peer = accepted.info().get::<PeerCredentials>().expect("linux reports credentials");
//! assert_eq!(peer.pid, Some(std::process::id() as i32));
//! # Ok(()) }
//! ```
//!
//! Programs that do not parse strings build the same endpoints directly:
//! [`UnixServerEndpoint::new`] and [`UnixClientEndpoint::new`].
//!
//! Each form parses to its canonical text, every default written out (nothing is bound or
//! looked up while parsing: owner and group names are resolved at `bind`):
//! ```
//! use endpoint_unix::{StdioServerEndpoint, SystemdServerEndpoint};
//! use endpoint_unix::{UnixClientEndpoint, UnixServerEndpoint};
//!
//! let server = |text: &str| text.parse::<UnixServerEndpoint>().unwrap().to_string();
//! assert_eq!(server("unix:/run/app.sock:mode=660"), "unix:/run/app.sock:mode=660:backlog=50:lockfile=1");
//! assert_eq!(server("unix:@app"), "unix:@app:backlog=50:lockfile=1");
//! assert_eq!(
//!     server("unix:/run/app.sock:mode=660:owner=0:group=0"),
//!     "unix:/run/app.sock:mode=660:backlog=50:lockfile=1:owner=0:group=0"
//! );
//! let client = |text: &str| text.parse::<UnixClientEndpoint>().unwrap().to_string();
//! assert_eq!(client("unix:/run/app.sock"), "unix:/run/app.sock:timeout=30:lockfile=0");
//! assert_eq!(client("unix:/run/app.sock:checkPID=1"), "unix:/run/app.sock:timeout=30:lockfile=1");
//!
//! let systemd = |text: &str| text.parse::<SystemdServerEndpoint>().unwrap().to_string();
//! assert_eq!(systemd("systemd:domain=INET:index=0"), "systemd:domain=INET:index=0");
//! assert_eq!(systemd("systemd:name=*"), "systemd:name=*");
//! assert_eq!("stdio".parse::<StdioServerEndpoint>()?.to_string(), "stdio");
//! // Strict numbers: Twisted would take `mode=-1`.
//! assert!("unix:/run/app.sock:mode=-1".parse::<UnixServerEndpoint>().is_err());
//! # Ok::<(), endpoint_core::Error>(())
//! ```
//!
//! # The `unix` server kind
//! `unix:ADDRESS[:MODE[:BACKLOG[:LOCKFILE]]]`, as in Twisted; every argument may also be given
//! by keyword. Canonical form: `unix:ADDRESS[:mode=MODE]:backlog=50:lockfile=1`.
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `address` | required | the socket file, or `@name` for an abstract name (`./@name` is a file) |
//! | `mode` | (the umask's) | the socket file's permissions in octal, set exactly after binding when given (then the umask does not apply); without it the file gets what the umask gives, as `bind(2)` does (Twisted sets `666`) |
//! | `backlog` | `50` | connections the kernel queues before they are accepted |
//! | `lockfile` | `1` | guard the path with `ADDRESS.lock`, a symbolic link to the owner's PID (Twisted's format) |
//! | `owner` | (ours) | user of the socket file, a name or a numeric uid, set with `chown` after binding (ours: an extension) |
//! | `group` | (ours) | group of the socket file, a name or a numeric gid (`unix:/run/app.sock:mode=660:group=www-data`) |
//!
//! With the lock file on, a second server on the same path fails while the first runs, even in
//! the same process, and a lock left by a dead process is taken over together with its socket
//! file (only if that really is a socket nobody accepts connections on: a live server keeps
//! its socket, and the second one fails with "address in use"). Without a lock, a leftover
//! socket file is never
//! removed and binding fails with "address in use". Stopping or dropping the listener removes
//! the socket file and releases the lock; so does a failed bind (Twisted leaks the lock there).
//! Abstract names have no file: no lock, nothing to remove, and `mode=`, `owner=` and
//! `group=` are refused (an option error), since there is nothing to set them on.
//!
//! With `mode=`, `owner=` or `group=`, the socket is bound in a fresh private directory
//! beside the path (`.endpoint-XXXXXX`, mode 0700), given its owner and mode there, and then
//! renamed into place without replacing anything: it appears with its final permissions, and
//! no `chmod` or `chown` by path can be redirected by a symbolic link swapped in after `bind`.
//!
//! # The `unix` client kind
//! `unix:PATH` or `unix:path=PATH`. Canonical form: `unix:PATH:timeout=30:lockfile=0`.
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `path` | required | the socket file, or `@name` for an abstract name |
//! | `timeout` | `30` | seconds (fractional allowed) before the attempt fails; `0` fails at once, as in Twisted |
//! | `lockfile` | `0` | first check that a live process holds `PATH.lock` |
//! | `checkPID` | — | the same as `lockfile` (a flag here; Twisted passes it through as a string) |
//!
//! As in Twisted, exactly one positional argument is the path; with two or more they are all
//! ignored and `path=` is required.
//!
//! # The `systemd` server kind
//! `systemd:domain=DOMAIN:index=N` or `systemd:domain=DOMAIN:name=NAME` (positionals: domain,
//! index, name, as in Twisted): adopt a listening socket passed by socket activation. See
//! [`SystemdServerEndpoint`].
//!
//! | option | default | meaning |
//! |---|---|---|
//! | `domain` | required | `INET`, `INET6` or `UNIX` (case-sensitive, as in Twisted); the socket must be of this family |
//! | `index` | — | adopt descriptor `3 + index` (a plain non-negative number) |
//! | `name` | — | adopt the descriptor with this name in `LISTEN_FDNAMES` |
//!
//! Exactly one of `index` and `name`. `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` are
//! read at `bind`, not at parse time, and are left in the environment.
//!
//! `systemd:name=*` (ours) adopts every passed socket, and `systemd:domain=UNIX:name=*` every
//! one of that family, as one merged listener, each part described as
//! `systemd:domain=FAMILY:index=N`; [`SystemdServerEndpoint::bind_each`] gives them
//! separately.
//!
//! # The `stdio` server kind
//! `stdio`: standard input and output as the one connection of a listener (inetd, systemd's
//! `Accept=yes`); any arguments are ignored, as in Twisted. See [`StdioServerEndpoint`].
//!
//! # The `exec` client kind
//! Only with the `exec` feature (off by default): a description that runs a program must be
//! the operator's, never someone else's (SECURITY.md).
//!
//! `exec:PROGRAM:ARG:ARG...:stderr=inherit|null:cwd=DIR`: connecting starts the program; its
//! stdout is what the connection reads and its stdin what it writes. The child is reaped, and
//! killed if the connection is dropped first. See [`ExecClientEndpoint`].
//!
//! # Differences from Twisted
//! - `systemd`: `index` is a plain index (`-1` is an error), names are looked up at `bind`
//!   (an unknown name is a bind error, not a parse error), the variables are not removed from
//!   the environment, and the listener may be bound again after it stopped.
//! - `@name` means the abstract namespace (Twisted only knows a leading NUL, which works too).
//! - Numbers are strict: `mode=-1` and `lockfile=true` are errors.
//! - `checkPID=0` means off (Twisted's string `"0"` is truthy).
//! - A failed bind releases the lock file.
//!
//! # Limitations
//! - Abstract names have no access control at all: anyone on the host (in the same network
//!   namespace) may connect. Check [`PeerCredentials`] on each connection, admit only some
//!   users or groups with the server options `allowUid=`/`allowGid=`
//!   (`unix:@app:allowUid=1000:allowGid=50`: a peer whose user or group is listed; unknown
//!   credentials are refused), or use a file.
//! - Canonical descriptions are text: a path or abstract name that is not UTF-8 prints lossily
//!   and does not parse back to the same endpoint.
//! - Two processes taking over the same stale lock at the same moment can race (as in
//!   Twisted); a live lock is always respected.
//! - `systemd`: after `stop_listening` the adopted socket stays open (systemd holds it too),
//!   so new connections wait in the kernel's queue rather than being refused.
//! - `stdio`: one per process; `endpoint relay stdio CLIENT` exits when its one connection
//!   is done (inetd style).
//! - `exec`: argv only (no shell unless you run one), stderr `inherit` or `null`.
//! - `owner=` to another user, or a group the process is not in, needs privilege.
//!
//! # Linking
//! The kinds register themselves with [`endpoint_core::Registry::global`] when this crate is
//! linked. The `endpoints` facade does that; a program depending on this crate alone, without
//! naming any of its items, adds `use endpoint_unix as _;`.
//!
//! # Feature flags
#![doc = document_features::document_features!()]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
#[cfg(feature = "exec")]
mod exec;
mod kinds;
mod lockfile;
mod owner;
mod path;
mod private_dir;
mod server;
mod specs;
mod stdio;
mod systemd;

pub use client::UnixClientEndpoint;
/// Who is at the other end of a unix connection (defined in `endpoint_core`, where
/// `allowUid=`/`allowGid=` judge it).
pub use endpoint_core::PeerCredentials;
#[cfg(feature = "exec")]
#[cfg_attr(docsrs, doc(cfg(feature = "exec")))]
pub use exec::{ChildProcess, ExecClientEndpoint, StderrMode};
pub use owner::Principal;
pub use server::UnixServerEndpoint;
pub use stdio::{StdioServerEndpoint, StdioStream};
pub use systemd::{Domain, Selector, SystemdServerEndpoint};
