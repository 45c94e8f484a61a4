//! The `endpoint` command: describe endpoint descriptions, list the registered kinds, and
//! listen on, connect to or relay between any endpoints, like netcat and socat.
//!
//! Exit status: 0 on success, 2 for a bad description (or bad command line), 1 for anything
//! that failed at run time (could not listen, connection refused, ...).
//!
//! Install it from a checkout with `cargo install --path crates/endpoint-cli` (it links every
//! kind, `exec` and `quic` included; `--features throttle` adds the example plugin).
//!
//! ```sh
//! endpoint describe --server tcp:8080 --json
//! #  {"side":"server","kind":"tcp","layers":[],"port":8080,"interface":"","backlog":50}
//! endpoint describe tls:example.com:443  # no side: says it read a client description
//! endpoint describe --client 'socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1080:user=me:password=pw' --json
//! #  {"side":"client","kind":"tcp","layers":[{"kind":"socks5","proxy":{"side":"client","kind":"tcp","layers":[],"host":"127.0.0.1","port":1080,"timeout":30,"bindAddress":null},"user":"***","password":"***","resolve":"remote","handshakeTimeout":10}],"host":"example.com","port":443,"timeout":30,"bindAddress":null}
//! endpoint describe --client quic:example.com:4433 --json
//! #  {"side":"client","kind":"quic","layers":[],"host":"example.com","port":4433,"hostname":null,"trustRoots":null,"certificate":null,"privateKey":null,"alpn":["endpoints"],"idleTimeout":30,"timeout":30,"maxUdpPayload":1452}
//! endpoint kinds                       # every kind, its options and defaults
//! endpoint kinds tcp ws                # only those (kinds --json NAME too)
//! endpoint listen tcp:9000             # like nc -l: one connection <-> stdin/stdout
//! endpoint connect tcp:localhost:9000  # like nc
//! endpoint relay unix:/tmp/a.sock tcp:localhost:9000                 # like socat / portforward
//! endpoint relay tcp:8000 unix:/tmp/b.sock tcp:localhost:9000        # several servers, one client
//! endpoint relay ssl:8443:privateKey=key.pem:certKey=cert.pem tcp:localhost:8080  # terminate TLS
//! kill -HUP $RELAY_PID                 # re-read renewed certificates now
//! endpoint relay quic:4433:certificate=server.pem tcp:localhost:8080 # each QUIC stream to a TCP connection
//! endpoint tls pin cert.pem            # sha256/... for a client's pin=
//! endpoint tls pin tls:localhost:8443  # the pin of the key a live server presents
//! source <(endpoint completions bash)  # also zsh, fish, powershell, elvish
//! endpoint man | man -l -              # the man page; `endpoint man connect` a subcommand's
//! endpoint --version                   # the version, features, kinds and layers built in
//! ```
//!
//! # `describe`
//! Without `--server`/`--client` it reads the text as both sides: valid as one only
//! (`tcp:8080` is a server, `tls:example.com:443` a client), it shows that one and notes the
//! side on stderr; valid as both (`unix:/run/a.sock`), the text shows both, headed `server:`
//! and `client:`, and `--json` asks for a side (exit 2) rather than guess. Neither: the error
//! that fits the text best, and a note that the other side fails too.
//!
//! In `--json`, list options (`alpn`, `subprotocols`, `origins`, `headers`, `trusted`) are
//! arrays of their items: `ws:8080:subprotocols=chat,v2` gives
//! `"subprotocols":["chat","v2"]`, and an empty list gives `[]`. Secret values print as
//! `***` unless `--show-secrets` is given.
//!
//! # `tls pin`
//! `tls pin FILE` prints the pin of a PEM file's key. `tls pin tls:HOST:PORT` connects with
//! one extra pin that no key has: the client refuses the server right after reading its
//! certificate, and prints the pin of the key it saw; nothing unverified is ever accepted.
//! Check that pin out of band before trusting it.
//!
//! # `relay`
//! `relay SERVER... CLIENT` forwards every accepted connection to a new client connection,
//! propagates half-close, and on SIGINT/SIGTERM stops listening and gives running
//! connections a grace period (`--grace 5s`; `250ms`, `1m`, `2h`, or a bare number of
//! seconds); it exits 1 if its listener fails on its own, 2 for a bad description.
//!
//! - Between two plain sockets (tcp, unix, in any mix, behind a PROXY header too) bytes move
//!   with `splice(2)` and never enter user space; TLS, WebSocket and other layers are copied
//!   through pooled buffers. An idle relayed pair holds its two sockets and about 1.5 KiB, no
//!   pipe and no buffer.
//! - It raises its open-descriptor limit to the hard limit at start, and when descriptors run
//!   out it backs off without dropping the pairs it has.
//! - `--metrics SERVER` serves the same `/metrics` and `/healthz` as `serve` (the relay is
//!   labelled `relay="relay"`).
//! - `--stats` (on at `-v`) prints a line every few seconds while anything changes
//!   (connections open and in all, bytes each way, errors) and a summary at exit.
//! - `--retry 30` keeps trying an upstream that refuses (or resets, is unreachable, times
//!   out) with back-off for up to 30 seconds while the accepted connection waits, instead of
//!   dropping it at the first refusal; a certificate that does not verify is not retried.
//!   At most `--retry-max-pending` (512) connections wait at once; more are closed at once.
//!   A waiting client that leaves (closes without sending, or resets) cancels its attempt;
//!   what it sent meanwhile is relayed first once connected.
//! - `--to CLIENT`, repeated, forwards to several upstreams instead of CLIENT (`relay
//!   tcp:8080 --to tcp:a:80 --to tcp:b:80`): `--balance` picks one per connection
//!   (`round-robin`, `weighted`, `least-connections`, `failover` down the `--to` order), a
//!   connect that fails goes on to the next upstream at once, and an upstream that fails 3
//!   times in a row is skipped for a back-off; `--health-interval 5s` (`--health-timeout 2s`)
//!   also checks each one on an interval, through its layers, and `--connect-timeout 3s`
//!   bounds what an upstream that goes silent costs a client. `--metrics` then shows
//!   `endpoint_upstream_up` and open connections per upstream.
//! - `--route NAME=CLIENT` (repeatable) routes by the TLS server name instead of relaying to
//!   CLIENT: every positional is then a SERVER, which must read the name, `sni+tcp:443`
//!   (the ClientHello is read, not terminated, and goes on untouched, spliced between plain
//!   sockets, so each backend presents its own certificate) or a TLS server. NAME is a host
//!   name, a one-label wildcard (`*.b.example` matches `x.b.example` only, as certificates
//!   do) or `default`; an unknown name without a default is closed:
//!   `endpoint relay sni+tcp:443 --route a.example=tcp:10.0.0.1:443 --route default=tcp:10.0.0.3:443`.
//! - `--once` relays one connection and exits (automatic for `stdio`, so
//!   `endpoint relay stdio tcp:backend:80` works from inetd).
//! - `SIGHUP` re-reads every renewed certificate at once (servers also notice changed files
//!   by themselves, at most once a second).
//!
//! In a program, `endpoints::relay::{relay, forward}` do the same for any two connections,
//! `Retrying::new(client, RetryPolicy::for_up_to(limit))` makes any client endpoint retry,
//! and `Service` / `ServiceGroup::run_until_signal` (Twisted's `strports.service`) run a
//! server until a signal.
//!
//! # `serve`
//! `serve FILE` runs every `[[relay]]` table of a TOML file in one process:
//!
//! ```toml
//! metrics = "tcp:9100:interface=127.0.0.1"   # GET /metrics and /healthz (or --metrics SERVER)
//!
//! [[relay]]
//! name = "web"                                # unique; the `relay` label of its metrics
//! listen = ["tcp:8080", "unix:/run/web.sock"] # one server description or a list
//! to = "tcp:127.0.0.1:3000"                   # a client description, or several (below)
//! retry = "30s"                               # as relay --retry (optional)
//! grace = "10s"                               # open connections' time to finish (default 5s)
//! idleTimeout = "5m"                          # close a pair silent both ways that long (off)
//! maxLifetime = "1h"                          # close a pair that old, busy or not (off)
//!
//! [[relay]]
//! name = "api"
//! listen = "tcp:8443"
//! to = ["tcp:10.0.0.1:80", { to = "tcp:10.0.0.2:80", weight = 3 }]  # a pool (see relay --to)
//! balance = "weighted"                        # round-robin, least-connections, failover
//! health = { interval = "5s", timeout = "2s" }  # active checks (passive ones always run)
//! ```
//!
//! - A mistake in the file exits 2 with `FILE:LINE:COLUMN`, the relay's name and, for a
//!   description, its caret: an unknown key, a duplicate name, a bad duration or description.
//!   `serve --check FILE` validates and exits without binding (for CI pipelines); secrets
//!   named by `passwordFile=`/`passwordEnv=` are read, so run it where the service runs.
//! - `SIGHUP` reads the file again and compares it with what runs, relay by relay, by value
//!   (a changed password is a change; `tcp:80` and `tcp:80:backlog=50` are the same): new
//!   relays start; removed ones stop listening and let their connections finish within their
//!   `grace`; a relay whose listeners are unchanged keeps its sockets and sends new
//!   connections to the new `to` at once (no connection attempt is refused); a relay whose
//!   listeners changed binds the new ones, and a TCP listener on the same address takes over
//!   the old bound socket with its backlog, so no connection attempt is refused there either
//!   (a unix socket path is bound afresh, with a short window). A file that fails to parse or to bind changes nothing
//!   and is reported on stderr. Certificates are re-read too.
//! - Metrics (OpenMetrics text, which Prometheus scrapes), per relay: connections accepted,
//!   active and finished, bytes each way, errors by class (upstream refused, upstream timeout,
//!   upstream failed, reset, idle_timeout, max_lifetime), upstream connect time and pair duration as histograms, whether
//!   it listens; reloads by outcome. `/healthz` answers 200 while every relay listens.
//! - With `NOTIFY_SOCKET` set (systemd `Type=notify` or `notify-reload`): `READY=1` once every
//!   listener is bound, `RELOADING=1` … `READY=1` around a reload, `STOPPING=1`, `STATUS=`
//!   lines, and `WATCHDOG=1` at half of `WATCHDOG_USEC`.
//! - SIGINT/SIGTERM: every relay stops listening and its connections get its grace.
//!
//! # Completions, man pages, version
//! `completions SHELL` prints a script for bash, zsh, fish, PowerShell or elvish, generated
//! by clap_complete from the command's own definition; description arguments complete to
//! the kinds this binary links, with what follows each (`tcp:`, `tls+`, `ws://`), on the
//! argument's side (`listen` offers `haproxy+`, `connect` offers `socks5+`). The script is
//! static: it offers where a description starts, not its options. `man` prints `endpoint(1)`
//! (roff, by clap_mangen), and `man SUBCOMMAND` the page `endpoint-SUBCOMMAND(1)` it refers
//! to. `--version` prints the version, then the features, kinds, layers, shorthands and URL
//! forms linked in, for bug reports; `-V` only the version.
//!
//! # Guarding what descriptions reach
//! `connect`, `relay` and `serve` take `--egress public` (refuse loopback, private, link-local,
//! unique-local, multicast, unspecified, cloud-metadata and reserved addresses, after name
//! resolution; `--egress loopback,private` refuses just those classes) with exceptions
//! `--egress-allow 10.1.0.0/16,fd12::/16`, and `--allow-kinds tcp,tls,ws`, which refuses every
//! other kind, nested descriptions included (exit 2). A refused address fails the connect
//! (exit 1; in `relay`, the accepted connection is closed and the upstream never dialled).
//!
//! # Logging and output
//! Logging goes to stderr: warnings by default, `-v`/`-vv`/`-vvv` for info/debug/trace, `-q`
//! for errors only (no notes, no `listening on` line); `--log-format json` writes one JSON
//! object a line (timestamp, level, target, message, fields such as `relay` and `peer`).
//! A non-empty `RUST_LOG` overrides both,
//! in `target=level` directives (`RUST_LOG=debug`, `RUST_LOG=endpoint_tls=trace,warn`);
//! `EnvFilter`'s span and field filters are not supported. `--help` of `listen`, `connect`
//! and `relay` lists the kinds of each side. Output cut short by the reader
//! (`endpoint kinds | head`) ends quietly with status 0.
//!
//! Durations with units (`5s`, `250ms`, `1m`) are for flags; options inside descriptions
//! (`timeout=`) take seconds, as in Twisted.

mod build_info;
mod cli;
mod commands;
mod failure;
mod guard;
mod limits;
mod logging;
mod output;
mod pipe;
mod stats;

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::Cli;

// A third-party kind is one dependency and this one line: the linker then keeps the plugin
// crate, whose `inventory` registrations make `throttle+...` work in every command.
#[cfg(feature = "throttle")]
use endpoint_throttle as _;

fn main() -> ExitCode {
    // Before parsing: parsing builds the endpoints, and their parsers may log warnings.
    let (verbosity, quiet) = logging::prescan(std::env::args_os());
    logging::init(verbosity, quiet, logging::prescan_json(std::env::args_os()));
    // The operator writes the descriptions given here, so secrets may come from files and
    // the environment (`passwordFile=`, `passwordEnv=`): a command line is visible to every
    // local user through `ps`. Set before anything parses.
    let mut registry = endpoints::Registry::from_inventory();
    registry.allow_secret_sources();
    // `--egress` and `--allow-kinds` restrict what every description may reach, so they
    // too are read before clap builds the endpoints. A value that does not parse leaves the
    // registry as it is, and clap then refuses the command line.
    if let Some(guard) = guard::prescan(std::env::args_os()) {
        guard.apply(&mut registry);
    }
    let _ = endpoints::Registry::set_global(registry);
    let cli = Cli::parse_with_build_info();
    logging::record(cli.verbose, cli.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("endpoint: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(commands::run(cli.command, Cli::command));
    // Reading stdin blocks a thread that cannot be interrupted; do not wait for it.
    runtime.shutdown_background();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
