//! The relays that run, and how a new configuration is applied to them.

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use endpoint_core::{
    Address, ClientEndpoint, Connection, Error, MergedServerEndpoint, Secured, ServerEndpoint,
};
use endpoint_pool::{Balance, Health, Member, Pool};
use endpoint_relay::{forward, ForwardError, LimitReached, Limits, Traffic};
use endpoint_service::{RetryPolicy, Retrying, Service};
use futures_util::future::Either;
use futures_util::FutureExt;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{debug, info, warn, Instrument};

use crate::config::{PoolConfig, RelayConfig};
use crate::metrics::{ErrorClass, Metrics, RelayMetrics};
use crate::plan::Plan;

/// A relay that could not start: which one, and the bind error (address in use, permission
/// denied, ...).
#[derive(Debug, thiserror::Error)]
#[error("relay {relay:?}: {error}")]
#[non_exhaustive]
pub struct StartError {
    /// The relay's name.
    pub relay: String,
    /// Why its listener could not be bound.
    #[source]
    pub error: Error,
}

/// The running relays of a process, by name.
///
/// [`apply`](Relays::apply) takes them to a new configuration: new relays start, removed ones
/// stop listening and let their connections finish within their grace, relays whose
/// listeners are unchanged keep them bound (new connections take the new `to` at once: no
/// connection attempt is refused), and relays whose listeners changed bind the new ones
/// before the old ones stop — unless the address is the same, in which case the old socket
/// is closed first and the new one bound right after.
pub struct Relays {
    running: BTreeMap<String, Running>,
    metrics: Arc<Metrics>,
    draining: JoinSet<()>,
}

struct Running {
    config: RelayConfig,
    route: Arc<RwLock<Arc<Route>>>,
    service: Service,
    metrics: RelayMetrics,
    traffic: Arc<Traffic>,
}

impl Relays {
    /// No relays yet; their metrics go to `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Relays {
            running: BTreeMap::new(),
            metrics,
            draining: JoinSet::new(),
        }
    }

    /// The configurations of the running relays, by name.
    pub fn configs(&self) -> Vec<RelayConfig> {
        self.running.values().map(|r| r.config.clone()).collect()
    }

    /// How many relays run.
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// True when no relay runs.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// The addresses a relay is bound to.
    pub fn local_addresses(&self, name: &str) -> Vec<Address> {
        self.running
            .get(name)
            .and_then(|r| r.service.port())
            .map(|port| port.local_addresses().to_vec())
            .unwrap_or_default()
    }

    /// True when every relay is listening (what `GET /healthz` reports).
    pub fn all_listening(&self) -> bool {
        // `is_running` stays true after a listener ends on its own; the port knows.
        self.running
            .values()
            .all(|r| r.service.port().is_some_and(|port| !port.is_stopped()))
    }

    /// Takes the running relays to `wanted`; returns what was done.
    ///
    /// Nothing is stopped before everything new is bound: when a new listener cannot be
    /// bound, the relays started by this call are stopped again and the error is returned,
    /// with the relays that ran before still running.
    ///
    /// # Errors
    /// The first relay that could not bind.
    pub async fn apply(&mut self, wanted: &[RelayConfig]) -> Result<Plan, StartError> {
        let plan = Plan::between(&self.configs(), wanted);
        let mut started: Vec<Running> = Vec::new();
        for config in &plan.start {
            match self.start(config, None).await {
                Ok(running) => started.push(running),
                Err(error) => {
                    for mut undo in started {
                        undo.service.stop().await;
                        self.metrics.remove(&undo.config.name);
                    }
                    return Err(error);
                }
            }
        }
        for running in started {
            info!(relay = %running.config.name, "relay started");
            self.running.insert(running.config.name.clone(), running);
        }
        for config in &plan.rebind {
            self.rebind(config).await?;
        }
        for config in &plan.retarget {
            if let Some(running) = self.running.get_mut(&config.name) {
                let mut route = running
                    .route
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                let new = Arc::new(Route::of(config, &running.metrics, Some(&route)));
                *route = new;
                drop(route);
                running.config = config.clone();
                info!(relay = %config.name, "relay updated; its listeners stay bound");
            }
        }
        for name in &plan.stop {
            if let Some(running) = self.running.remove(name) {
                // Closed before this returns: the address is free for whoever wants it.
                stop_listening(&running).await;
                running.metrics.set_listening(false);
                info!(relay = %name, "relay removed; letting its connections finish");
                self.drain(running);
            }
        }
        Ok(plan)
    }

    /// Stops every relay, lets each one's connections finish within its grace, and waits.
    pub async fn shutdown(mut self) {
        let names: Vec<String> = self.running.keys().cloned().collect();
        for name in names {
            if let Some(running) = self.running.remove(&name) {
                self.drain(running);
            }
        }
        while self.draining.join_next().await.is_some() {}
    }

    /// Replaces a relay whose listeners changed. The old listening sockets are handed over
    /// (`endpoint_core::handover`): a new listener on the same address takes the bound socket
    /// and its backlog, so no connection attempt is refused; listeners on new addresses bind
    /// fresh, and old addresses nobody takes are closed.
    async fn rebind(&mut self, config: &RelayConfig) -> Result<(), StartError> {
        let Some(old) = self.running.remove(&config.name) else {
            return Ok(());
        };
        let offered = match old.service.port() {
            Some(port) => port.hand_over().await,
            None => Vec::new(),
        };
        let traffic = Some(Arc::clone(&old.traffic));
        let outcome = match self.start(config, traffic.clone()).await {
            Ok(new) => {
                self.running.insert(config.name.clone(), new);
                info!(relay = %config.name, "relay rebound to its new listeners");
                Ok(())
            }
            Err(error) => {
                warn!(relay = %config.name, %error, "could not bind the new listeners; keeping the old ones");
                match self.start(&old.config, traffic).await {
                    Ok(again) => {
                        self.running.insert(config.name.clone(), again);
                    }
                    Err(again) => {
                        warn!(relay = %config.name, error = %again, "could not bind the old listeners again");
                    }
                }
                Err(error)
            }
        };
        for address in offered {
            endpoint_core::handover::withdraw(address);
        }
        // Its open connections finish within its grace either way.
        self.drain_keeping_metrics(old);
        outcome
    }

    /// Binds a relay's listeners; `traffic` carries a rebound relay's byte counts over.
    async fn start(
        &self,
        config: &RelayConfig,
        traffic: Option<Arc<Traffic>>,
    ) -> Result<Running, StartError> {
        let traffic = traffic.unwrap_or_default();
        let metrics = self.metrics.relay(&config.name, &traffic);
        let route = Arc::new(RwLock::new(Arc::new(Route::of(config, &metrics, None))));
        let server: Arc<dyn ServerEndpoint> = match &config.listen[..] {
            [one] => Arc::clone(one.endpoint()),
            several => Arc::new(MergedServerEndpoint::new(
                several.iter().map(|d| Arc::clone(d.endpoint())).collect(),
            )),
        };
        let handler = {
            let route = Arc::clone(&route);
            let metrics = metrics.clone();
            let traffic = Arc::clone(&traffic);
            let name: Arc<str> = Arc::from(config.name.as_str());
            move |accepted: Connection| {
                let route = Arc::clone(&route.read().unwrap_or_else(PoisonError::into_inner));
                relay_one(accepted, &route, &traffic, &metrics, &name)
            }
        };
        let mut service = Service::new(server, handler).with_events(Arc::new(metrics.clone()));
        service.start().await.map_err(|error| StartError {
            relay: config.name.clone(),
            error,
        })?;
        metrics.set_listening(true);
        Ok(Running {
            config: config.clone(),
            route,
            service,
            metrics,
            traffic,
        })
    }

    fn drain(&mut self, running: Running) {
        let metrics = Arc::clone(&self.metrics);
        let name = running.config.name.clone();
        self.drain_then(running, move || metrics.remove(&name));
    }

    fn drain_keeping_metrics(&mut self, running: Running) {
        self.drain_then(running, || {});
    }

    fn drain_then(&mut self, mut running: Running, after: impl FnOnce() + Send + 'static) {
        let grace = running.config.grace;
        self.draining.spawn(async move {
            let cut = running.service.shutdown(grace).await;
            if cut > 0 {
                warn!(relay = %running.config.name, cut, ?grace, "cut connections still open after the grace period");
            }
            after();
        });
    }
}

/// Closes a relay's listening sockets now; its open connections go on.
async fn stop_listening(running: &Running) {
    if let Some(port) = running.service.port() {
        port.stop_listening().await;
    }
}

/// Connects waiting for a retried upstream at once, per relay, as `endpoint relay
/// --retry-max-pending`'s default: more are closed at once.
const RETRY_MAX_PENDING: usize = 512;

/// Where new connections of a relay go and how long they may live: swapped whole on reload.
struct Route {
    /// `to`, retried when asked, its connects timed in the relay's metrics.
    client: Arc<dyn ClientEndpoint>,
    limits: Limits,
    /// Watch the accepted connection while connecting (with `retry`).
    watch: bool,
    /// The relay's upstreams when it has several.
    pooled: Option<Pooled>,
}

/// A relay's pool and what feeds it its members, kept across reloads: a reload that changes
/// only the upstream list sends the new list to the same pool, so an upstream that stays
/// keeps its health and open-connection counts.
#[derive(Clone)]
struct Pooled {
    pool: Pool,
    members: Arc<watch::Sender<Vec<Member>>>,
    balance: Balance,
    health: Health,
}

impl Pooled {
    /// The pool for `config`: `old`'s, given the new members, when its balance and health
    /// are the same; else a new one.
    fn of(config: &PoolConfig, old: Option<&Pooled>) -> Pooled {
        match old.filter(|o| o.balance == config.balance && o.health == config.health) {
            Some(old) => {
                old.members.send_replace(config.members());
                old.clone()
            }
            None => {
                let (members, watched) = watch::channel(config.members());
                Pooled {
                    pool: Pool::watching(watched, config.balance).with_health(config.health),
                    members: Arc::new(members),
                    balance: config.balance,
                    health: config.health,
                }
            }
        }
    }
}

impl Route {
    /// The route for `config`; `old` is the route it replaces on a reload, whose pool it
    /// keeps when it can.
    fn of(config: &RelayConfig, metrics: &RelayMetrics, old: Option<&Route>) -> Route {
        // One upstream is used as it is; several are a pool, whose state the metrics read.
        let pooled = (config.pool.as_ref())
            .map(|pool| Pooled::of(pool, old.and_then(|o| o.pooled.as_ref())));
        metrics.set_pool(pooled.as_ref().map(|p| p.pool.clone()));
        let client: Arc<dyn ClientEndpoint> = match &pooled {
            Some(pooled) => Arc::new(pooled.pool.clone()),
            None => Arc::clone(config.to.endpoint()),
        };
        let client: Arc<dyn ClientEndpoint> = match config.retry {
            Some(limit) => Arc::new(
                Retrying::new(client, RetryPolicy::for_up_to(limit)).max_pending(RETRY_MAX_PENDING),
            ),
            None => client,
        };
        Route {
            client: metrics.timed(client),
            limits: Limits::new(config.idle_timeout, config.max_lifetime),
            watch: config.retry.is_some(),
            pooled,
        }
    }
}

/// Connects upstream and relays one accepted connection, counting it.
fn relay_one(
    accepted: Connection,
    route: &Route,
    traffic: &Arc<Traffic>,
    metrics: &RelayMetrics,
    name: &Arc<str>,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    metrics.opened();
    if let Some(protocol) = accepted.info().get::<Secured>().and_then(|s| s.protocol) {
        metrics.handshake(protocol);
    }
    let began = Instant::now();
    // Warnings name the relay and the peer themselves (they are seen at the default level,
    // where this span is off); the span gives debug events the same fields.
    let span = tracing::debug_span!("relay", relay = %name, peer = %accepted.peer_address());
    let name = Arc::clone(name);
    let metrics = metrics.clone();
    let forwarding = forward(
        accepted,
        Arc::clone(&route.client),
        Some(Arc::clone(traffic)),
    );
    // A retried connect can take long: a client that leaves meanwhile cancels it (as
    // `endpoint relay --retry` does).
    let forwarding = if route.watch {
        forwarding.watch_accepted()
    } else {
        forwarding
    };
    // No limit, no wrapper: an idle pair then costs what `endpoint relay`'s does.
    let limited = if route.limits.is_off() {
        Either::Left(forwarding.map(Ok))
    } else {
        Either::Right(route.limits.apply(forwarding))
    };
    limited
        .map(move |outcome| {
            let outcome = match outcome {
                Ok(outcome) => outcome,
                Err(limit) => {
                    metrics.failed(match limit {
                        LimitReached::Idle => ErrorClass::idle_timeout,
                        _ => ErrorClass::max_lifetime,
                    });
                    debug!(relay = %name, %limit, "closed a relayed pair");
                    metrics.closed(began.elapsed());
                    return;
                }
            };
            match outcome {
                Ok(relayed) => debug!(
                    sent = relayed.a_to_b, received = relayed.b_to_a,
                    zero_copy = relayed.zero_copy, "relayed connection finished"
                ),
                Err(ForwardError::Connect { error, accepted }) => {
                    metrics.failed(ErrorClass::of_connect(&error));
                    let peer = accepted.peer_address();
                    warn!(relay = %name, %peer, %error, "could not connect upstream; closing the accepted connection");
                }
                Err(ForwardError::Departed(_)) => {
                    debug!(relay = %name, "the client left before the upstream answered; attempt cancelled");
                }
                Err(ForwardError::Relay(error)) => {
                    metrics.failed(ErrorClass::reset);
                    debug!(%error, "relayed connection failed");
                }
            }
            metrics.closed(began.elapsed());
        })
        .instrument(span)
}

impl ErrorClass {
    /// The class of a failed upstream connect: refused, timed out, or failed otherwise.
    pub fn of_connect(error: &Error) -> ErrorClass {
        match error {
            Error::Timeout { .. } => ErrorClass::upstream_timeout,
            _ if error.io_kind() == Some(io::ErrorKind::ConnectionRefused) => {
                ErrorClass::upstream_refused
            }
            _ => ErrorClass::upstream_failed,
        }
    }
}

impl RelayMetrics {
    /// `client`, recording how long each successful connect takes in this relay's
    /// `relay_upstream_connect_seconds`.
    pub fn timed(&self, client: Arc<dyn ClientEndpoint>) -> Arc<dyn ClientEndpoint> {
        Arc::new(Timed {
            inner: client,
            metrics: self.clone(),
        })
    }
}

/// A client endpoint that records how long each successful connect took.
#[derive(Debug)]
struct Timed {
    inner: Arc<dyn ClientEndpoint>,
    metrics: RelayMetrics,
}

impl std::fmt::Display for Timed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.inner, f)
    }
}

impl ClientEndpoint for Timed {
    fn connect(&self) -> endpoint_core::BoxFuture<'_, endpoint_core::Result<Connection>> {
        let began = Instant::now();
        Box::pin(self.inner.connect().map(move |connected| {
            if connected.is_ok() {
                self.metrics.connected(began.elapsed());
            }
            connected
        }))
    }

    fn description(&self) -> endpoint_core::description::Description {
        self.inner.description()
    }

    fn authority(&self) -> Option<endpoint_core::Authority> {
        self.inner.authority()
    }
}

/// How long `shutdown` may take at most: the longest grace of the relays.
pub fn longest_grace(relays: &[RelayConfig]) -> Duration {
    relays.iter().map(|r| r.grace).max().unwrap_or_default()
}
