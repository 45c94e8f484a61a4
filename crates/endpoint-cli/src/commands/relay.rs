//! `endpoint relay SERVER... CLIENT`: forward every connection accepted on any SERVER to a new
//! client connection, until SIGINT or SIGTERM (or, with `--once` and for `stdio`, until the one
//! connection is done).

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::builder::TypedValueParser;
use clap::Args;
use endpoint_serve::{metrics_service, ErrorClass, Metrics, RelayMetrics};
use endpoints::core::description::parse_duration;
use endpoints::core::{printable, Secured};
use endpoints::pool::{Balance, Health, Member, Pool};
use endpoints::relay::{forward, ForwardError};
use endpoints::service::TooManyPending;
use endpoints::{
    ClientDescription, ClientEndpoint, Connection, MergedServerEndpoint, RetryPolicy, Retrying,
    ServerDescription, ServerEndpoint, Service, ServiceGroup, Side,
};
use futures_util::FutureExt;
use tokio::sync::Notify;
use tracing::{debug, warn};

use crate::failure::{chain, Failure};
use crate::limits::raise_descriptor_limit;
use crate::stats::RelayStats;

/// Arguments of `endpoint relay`.
// SERVER... is optional before the required CLIENT so that `relay SERVER --to CLIENT` reads
// its one positional as CLIENT, which `--to` (or `--route`) then turns into a SERVER.
#[derive(Debug, Args)]
#[command(allow_missing_positional = true)]
#[non_exhaustive]
pub struct RelayArgs {
    /// Server descriptions to accept connections on (one or more, all relayed to CLIENT); end
    /// one with `:maxConnections=N` to relay at most N of its connections at once (more wait
    /// in the kernel's backlog).
    #[arg(value_name = "SERVER", num_args = 1.., long_help = endpoints::clap::help(
        "Server descriptions to accept connections on (one or more, all relayed to CLIENT); end \
         one with `:maxConnections=N` to relay at most N of its connections at once (more wait \
         in the kernel's backlog).",
        Side::Server,
    ))]
    pub server: Vec<ServerDescription>,
    /// Client description each accepted connection is forwarded to. With `--to` or `--route`,
    /// there is no CLIENT here: the last positional is one more SERVER.
    #[arg(value_name = "CLIENT", value_parser = LastParser, long_help = endpoints::clap::help(
        "Client description each accepted connection is forwarded to. With --to or --route, \
         there is no CLIENT here: the last positional is one more SERVER.",
        Side::Client,
    ))]
    pub client: Last,
    /// A client description to forward to, instead of CLIENT; repeat it for several
    /// upstreams, balanced by `--balance`: a connect that fails goes on to the next upstream
    /// at once, so clients see no refusal while one is up (`relay tcp:8080 --to tcp:a:80 --to
    /// tcp:b:80`).
    #[arg(long = "to", value_name = "CLIENT")]
    pub to: Vec<ClientDescription>,
    /// How `--to` upstreams are picked: `round-robin` (the default), `weighted` (all of weight
    /// 1 here: weights are the config file's), `least-connections` (fewest open), or
    /// `failover` (the first `--to` while it is up, then the next).
    #[arg(long, value_name = "NAME", value_parser = parse_balance)]
    pub balance: Option<Balance>,
    /// Connect to every `--to` upstream this often (through its layers: a TLS upstream
    /// handshakes) and skip it while it fails; without it, 3 failed connects in a row mark
    /// an upstream down for a back-off (1 s, doubling up to 30 s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub health_interval: Option<Duration>,
    /// How long a `--health-interval` check may take before it counts as failed (`2s` unless
    /// given).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "health_interval")]
    pub health_timeout: Option<Duration>,
    /// With several `--to`: give up on one upstream's connect after this long and try the
    /// next (each upstream's own `timeout=` otherwise, 30 s for `tcp:`), so an upstream that
    /// goes silent instead of refusing costs a client at most this.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,
    /// Route by the TLS server name the client asks for instead of relaying to CLIENT:
    /// `NAME=CLIENT`, repeatable. NAME is a host name (`a.example`), a wildcard of one label
    /// (`*.b.example`, as in certificates) or `default` (names no route matches, and clients
    /// that send none); a name that matches nothing, with no default, is closed. The
    /// servers must read the name: `sni+tcp:443` (the bytes go on untouched, the backends
    /// terminate TLS) or a TLS server.
    #[arg(long = "route", value_name = "NAME=CLIENT", value_parser = super::routes::parse_route)]
    pub routes: Vec<(String, ClientDescription)>,
    /// How long to let open connections finish after SIGINT/SIGTERM before cutting them: `5s`,
    /// `250ms`, `1m`, or a bare number of seconds.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub grace: Duration,
    /// Relay one connection, then exit when it is done (inetd style). Always on for `stdio`,
    /// which has only the one connection.
    #[arg(long)]
    pub once: bool,
    /// Print a line every `--stats-interval` while anything changes (connections open and in
    /// all, bytes each way, errors) and a summary at exit. On at `-v`.
    #[arg(long)]
    pub stats: bool,
    /// When the client side refuses (or resets, or is unreachable, or times out), try again
    /// with back-off for up to this long (`30s`, `2m`, or seconds) before closing the accepted
    /// connection, which waits meanwhile. Failures retrying cannot fix (a certificate that
    /// does not verify) close it at once.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub retry: Option<Duration>,
    /// With `--retry`: at most this many accepted connections wait for the client side at
    /// once; more are closed at once (counted in `--stats`). A waiting connection whose
    /// client leaves (closes or resets) stops waiting at once, retry or not.
    #[arg(long, value_name = "N", default_value_t = 512, requires = "retry",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub retry_max_pending: u32,
    /// How long between two statistics lines: `5s`, `500ms`, or a bare number of seconds.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub stats_interval: Duration,
    /// Serve `GET /metrics` (OpenMetrics text: connections, bytes each way, errors by class,
    /// connect and pair times, TLS handshakes by version; the `relay` label is `relay`) and
    /// `GET /healthz` on this server description (`tcp:9100:interface=127.0.0.1`), as
    /// `serve` does.
    #[arg(long, value_name = "SERVER")]
    pub metrics: Option<ServerDescription>,
    /// What the descriptions may reach (read before clap runs, by `guard::prescan`).
    #[command(flatten)]
    pub guard: crate::guard::GuardArgs,
}

/// Starts a [`Service`] on SERVER, prints `relaying ADDRESS -> CLIENT` to stderr (with `-v`), and splices
/// every accepted connection with a fresh CLIENT connection. On SIGINT or SIGTERM it stops
/// listening, gives open connections `--grace` seconds, and returns. On SIGHUP it reloads
/// TLS certificates (`endpoints::tls::reload_certificates`).
///
/// # Errors
/// A bad description, failing to install the signal handlers, a failed bind, or the listener
/// ending on its own (a fatal accept error). Failures of single connections are logged and do
/// not stop the relay.
pub async fn run(args: &RelayArgs) -> Result<(), Failure> {
    let (servers, mut client, pool) = if args.routes.is_empty() {
        endpoints_of(args)?
    } else if !args.to.is_empty() {
        return Err(Failure::Usage(
            "relay: --route and --to both say where connections go: give one".into(),
        ));
    } else {
        let last = (args.client.text.as_str(), args.client.client.as_ref());
        let (servers, client) = super::routes::resolve(&args.server, last, &args.routes)?;
        (servers, client, None)
    };
    if let Some(limit) = args.retry {
        client = Arc::new(
            Retrying::new(client, RetryPolicy::for_up_to(limit))
                .max_pending(args.retry_max_pending as usize),
        );
    }
    match raise_descriptor_limit() {
        Ok(Some((from, to))) if crate::logging::verbosity() >= 1 => {
            eprintln!("raised the open-descriptor limit from {from} to {to}");
        }
        Ok(_) => {}
        Err(e) => warn!(error = %e, "could not raise the open-descriptor limit"),
    }
    let stats = Arc::new(RelayStats::default());
    let counted = Arc::clone(&stats);
    let metrics = args.metrics.as_ref().map(|_| Arc::new(Metrics::new()));
    let relay_metrics = metrics.as_ref().map(|m| m.relay("relay", &stats.traffic));
    if let Some(m) = &relay_metrics {
        m.set_pool(pool);
        client = m.timed(client);
    }
    let events = relay_metrics.clone();
    let once = args.once
        || match &servers[..] {
            [one] => is_stdio(one),
            _ => false,
        };
    let forward_to = Arc::clone(&client);
    // A retried connect may wait its whole window: let a client that leaves meanwhile go.
    let watch = args.retry.is_some();
    let taken = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(Notify::new());
    let first_done = Arc::clone(&finished);
    let server: Arc<dyn ServerEndpoint> = match &servers[..] {
        [one] => Arc::clone(one.endpoint()),
        several => Arc::new(MergedServerEndpoint::new(
            several.iter().map(|d| Arc::clone(d.endpoint())).collect(),
        )),
    };
    let service = Service::new(server, move |accepted| {
        let first = !taken.swap(true, Ordering::SeqCst);
        let refused = once && !first;
        if refused {
            debug!(peer = %accepted.peer_address(), "--once: refusing a second connection");
        }
        let finished = once.then(|| Arc::clone(&finished));
        let relaying = (!refused).then(|| {
            relay_one(
                accepted,
                &forward_to,
                &counted,
                watch,
                relay_metrics.clone(),
            )
        });
        // No `async` block: it would keep a second copy of the relay's state for the pair's
        // whole life, and an idle relayed pair should cost little more than its sockets.
        futures_util::future::OptionFuture::from(relaying).map(move |_| {
            if let Some(finished) = finished {
                finished.notify_one();
            }
        })
    });
    // Failed handshakes and handshakes closed to make room count too.
    let service = match events {
        Some(m) => service.with_events(Arc::new(m)),
        None => service,
    };
    // Installed before anything is printed, so a signal sent once the line is read counts.
    let signal = endpoints::shutdown_signal()?;
    super::tls::reload_on_sighup()?;
    let mut group = ServiceGroup::new();
    group.add(service);
    group.start_all().await?;
    let mut metrics_listener = match (&args.metrics, &metrics) {
        (Some(on), Some(metrics)) => {
            // The relay ends when its listener does, so while it runs it is healthy.
            let mut service = metrics_service(on, Arc::clone(metrics), Arc::new(|| true));
            service.start().await?;
            if let (Some(address), true) =
                (service.local_address(), crate::logging::verbosity() >= 1)
            {
                eprintln!("metrics listening on {address}");
            }
            Some(service)
        }
        _ => None,
    };
    if let Some(local) = group.services()[0].local_address() {
        if crate::logging::verbosity() >= 1 {
            eprintln!("relaying {local} -> {client}");
        }
    }
    let until = async {
        if once {
            tokio::select! {
                _ = signal => {}
                _ = first_done.notified() => {}
            }
        } else {
            signal.await;
        }
    };
    let reporting = args.stats || crate::logging::verbosity() >= 1;
    let reporter =
        reporting.then(|| tokio::spawn(Arc::clone(&stats).report_every(args.stats_interval)));
    let outcome = group.run_until(args.grace, until).await;
    if let Some(listener) = metrics_listener.as_mut() {
        listener.stop().await;
    }
    if let Some(reporter) = reporter {
        reporter.abort();
        eprintln!("relay summary: {}", stats.line());
    }
    outcome?;
    Ok(())
}

/// The last positional: CLIENT, or with `--to` the last SERVER. Parsed as a client
/// description first (clap's error, with a caret, names `<CLIENT>`); a string that is only
/// a server description is kept as text and parsed again once `--to` is known.
#[derive(Clone, Debug)]
pub struct Last {
    text: String,
    client: Option<ClientDescription>,
}

#[derive(Clone)]
struct LastParser;

impl TypedValueParser for LastParser {
    type Value = Last;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Last, clap::Error> {
        let text = value.to_string_lossy().into_owned();
        match endpoints::core::clap::ClientValueParser::new().parse_ref(cmd, arg, value) {
            Ok(client) => Ok(Last {
                text,
                client: Some(client),
            }),
            Err(_) if endpoints::Registry::global().server(&text).is_ok() => {
                Ok(Last { text, client: None })
            }
            Err(error) => Err(error),
        }
    }
}

fn parse_balance(name: &str) -> Result<Balance, String> {
    name.parse()
        .map_err(|e: endpoints::pool::UnknownBalance| e.to_string())
}

/// What `relay` connects between: the servers, the client side (one description, or a pool
/// of `--to` upstreams), and that pool, for the metrics.
type Ends = (
    Vec<ServerDescription>,
    Arc<dyn ClientEndpoint>,
    Option<Pool>,
);

/// The servers and the client side of `args` (see [`Ends`]).
fn endpoints_of(args: &RelayArgs) -> Result<Ends, Failure> {
    let mut servers = args.server.clone();
    let usage = |message: &str| Failure::Usage(format!("relay: {message}"));
    let clients: Vec<Arc<dyn ClientEndpoint>> = if args.to.is_empty() {
        if servers.is_empty() {
            return Err(usage("give SERVER... CLIENT, or SERVER... --to CLIENT"));
        }
        match &args.client.client {
            Some(client) => vec![Arc::clone(client.endpoint())],
            // Not a client description: the client parser's own error, with its caret.
            None => {
                return Err(Failure::Endpoint(
                    endpoints::Registry::global()
                        .client(&args.client.text)
                        .err()
                        .unwrap_or_else(|| endpoints::Error::other("not a client description")),
                ))
            }
        }
    } else {
        servers.push(
            args.client
                .text
                .parse::<ServerDescription>()
                .map_err(Failure::Endpoint)?,
        );
        args.to.iter().map(|d| Arc::clone(d.endpoint())).collect()
    };
    if clients.len() == 1 {
        if args.balance.is_some()
            || args.health_interval.is_some()
            || args.connect_timeout.is_some()
        {
            debug!("one upstream: --balance and --health-interval have nothing to choose between");
        }
        return Ok((servers, Arc::clone(&clients[0]), None));
    }
    let balance = args.balance.unwrap_or_default();
    let members = clients
        .into_iter()
        .enumerate()
        .map(|(at, endpoint)| {
            // Failover goes down the list in the order the --to flags were given.
            let priority = if balance == Balance::Failover { at } else { 0 };
            Member::new(endpoint).priority(u32::try_from(priority).unwrap_or(u32::MAX))
        })
        .collect();
    let mut health = Health::default();
    if let Some(limit) = args.connect_timeout {
        health = health.connect_timeout(limit);
    }
    if let Some(interval) = args.health_interval {
        health = health.check(interval, args.health_timeout.unwrap_or(health.timeout));
    }
    let pool = Pool::new(members, balance).with_health(health);
    Ok((servers, Arc::new(pool.clone()), Some(pool)))
}

/// True when SERVER is the `stdio` kind, which serves exactly one connection.
fn is_stdio(server: &ServerDescription) -> bool {
    let description = server.description();
    description.kind() == "stdio" && description.inner().is_none()
}

/// Connects to the client side and relays between it and the accepted connection until
/// both directions end (zero-copy when both are plain sockets; see
/// `endpoints::relay`). A failed connect is logged and closes the accepted connection.
fn relay_one(
    accepted: Connection,
    client: &Arc<dyn ClientEndpoint>,
    stats: &Arc<RelayStats>,
    watch: bool,
    metrics: Option<RelayMetrics>,
) -> impl Future<Output = ()> {
    let open = stats.opened();
    let began = metrics.as_ref().map(|m| {
        m.opened();
        if let Some(protocol) = accepted.info().get::<Secured>().and_then(|s| s.protocol) {
            m.handshake(protocol);
        }
        Instant::now()
    });

    let stats = Arc::clone(stats);
    // Kept only when it will be logged.
    let peer = tracing::enabled!(tracing::Level::DEBUG)
        .then(|| accepted.peer_address().to_string())
        .unwrap_or_default();
    let traffic = Some(Arc::clone(&stats.traffic));
    let forwarding = forward(accepted, Arc::clone(client), traffic);
    let forwarding = if watch {
        forwarding.watch_accepted()
    } else {
        forwarding
    };
    forwarding.map(move |outcome| {
        drop(open);
        let class = match outcome {
            Ok(relayed) => {
                debug!(
                    %peer, sent = relayed.a_to_b, received = relayed.b_to_a,
                    zero_copy = relayed.zero_copy, "relayed connection finished"
                );
                None
            }
            Err(ForwardError::Connect { error, accepted })
                if error.find::<TooManyPending>().is_some() =>
            {
                let peer = accepted.peer_address();
                let error = printable(&error.to_string()).into_owned();
                if stats.turned_away() == 1 {
                    warn!(%peer, %error, "closing connections at once while --retry-max-pending \
                        connects wait for the client side (counted in --stats)");
                } else {
                    debug!(%peer, %error, "closing the accepted connection");
                }
                Some(ErrorClass::admission_refused)
            }
            Err(ForwardError::Departed(error)) => {
                stats.departed();
                let error = error.map(|e| e.to_string()).unwrap_or_default();
                debug!(%peer, %error, "the client left before the client side answered; attempt cancelled");
                None
            }
            Err(ForwardError::Connect { error, accepted }) => {
                stats.failed();
                let class = ErrorClass::of_connect(&error);
                // The upstream's text may be in it (a proxy's or WebSocket server's answer).
                let error = printable(&chain(&error)).into_owned();
                let peer = accepted.peer_address();
                warn!(%peer, %error, "could not connect; closing the accepted connection");
                Some(class)
            }
            Err(ForwardError::Relay(error)) => {
                stats.failed();
                let error = printable(&error.to_string()).into_owned();
                debug!(%peer, %error, "relayed connection failed");
                Some(ErrorClass::reset)
            }
        };
        if let (Some(m), Some(began)) = (&metrics, began) {
            if let Some(class) = class {
                m.failed(class);
            }
            m.closed(began.elapsed());
        }
    })
}
