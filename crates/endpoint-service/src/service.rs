//! Services: a server description plus a handler, started and stopped as a unit (Twisted's
//! `strports.service`), and groups of them that run until SIGINT or SIGTERM.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tracing::{debug, error, info, warn};

use endpoint_core::Address;
use endpoint_core::BoxFuture;
use endpoint_core::Connection;
use endpoint_core::ListenerEvents;
use endpoint_core::ListeningPort;
use endpoint_core::ServerEndpoint;
use endpoint_core::{Error, Result};

/// What a [`Service`] runs for each accepted connection.
type Handler = Arc<dyn Fn(Connection) -> BoxFuture<'static, ()> + Send + Sync>;

/// A server endpoint plus the handler for its connections, started and stopped as a unit
/// (Twisted's `strports.service`).
///
/// Construction does no I/O: [`from_description`](Service::from_description) fails at once on a
/// bad description, as Twisted does. [`start`](Service::start) binds; a failure to listen
/// (address in use, permission denied) is its error, not a log line.
/// [`stop`](Service::stop) stops listening; connections already accepted keep running.
///
/// # Examples
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use endpoint_service::Service;
/// # use endpoint_core::{Accept, Address, Builder, Connection, Kind, Listener, Registry, ServerEndpoint, BoxFuture};
/// # use std::task::{Context, Poll};
/// # #[derive(Debug)] struct Nowhere;
/// # impl std::fmt::Display for Nowhere { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("nowhere") } }
/// # struct Nothing;
/// # impl Accept for Nothing {
/// #     fn poll_accept(&mut self, _: &mut Context<'_>) -> Poll<std::io::Result<Connection>> { Poll::Pending }
/// #     fn local_address(&self) -> Address { Address::Other("nowhere".into()) }
/// # }
/// # impl ServerEndpoint for Nowhere {
/// #     fn bind(&self) -> BoxFuture<'_, endpoint_core::Result<Listener>> { Box::pin(async move { Ok(Listener::new(Nothing, self)) }) }
/// #     fn description(&self) -> endpoint_core::description::Description { endpoint_core::description::Description::new("nowhere") }
/// # }
/// // With a transport linked: Service::from_description("tcp:8080", handler)?
/// let mut service = Service::new(std::sync::Arc::new(Nowhere), |_connection: Connection| async {});
/// service.start().await?;
/// assert_eq!(service.local_address().map(ToString::to_string).as_deref(), Some("nowhere"));
/// service.stop().await;
/// assert!(!service.is_running());
/// # Ok(()) }
/// ```
#[doc(alias = "StreamServerEndpointService")]
#[doc(alias = "strports.service")]
pub struct Service {
    endpoint: Arc<dyn ServerEndpoint>,
    handler: Handler,
    port: Option<ListeningPort>,
    events: Option<Arc<dyn ListenerEvents>>,
}

impl Service {
    /// A service that listens on `endpoint` and runs `handler(connection)` in its own task for
    /// every accepted connection. Nothing happens until [`start`](Service::start).
    pub fn new<F, Fut>(endpoint: Arc<dyn ServerEndpoint>, handler: F) -> Self
    where
        F: Fn(Connection) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Service {
            endpoint,
            handler: Arc::new(move |connection| Box::pin(handler(connection))),
            port: None,
            events: None,
        }
    }

    /// Tells `events` about the connections each listener of this service ends before they
    /// reach the handler (failed handshakes, handshakes closed to make room).
    pub fn with_events(mut self, events: Arc<dyn ListenerEvents>) -> Self {
        self.events = Some(events);
        self
    }

    /// Parses a server description with every kind linked into the program (see
    /// [`server_from_string`](endpoint_core::server_from_string)) and makes a service of it.
    ///
    /// # Errors
    /// The description's parse error, at once (as Twisted's `strports.service` raises).
    pub fn from_description<F, Fut>(description: &str, handler: F) -> Result<Self>
    where
        F: Fn(Connection) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Ok(Service::new(
            endpoint_core::server_from_string(description)?,
            handler,
        ))
    }

    /// The endpoint this service listens on.
    pub fn endpoint(&self) -> &Arc<dyn ServerEndpoint> {
        &self.endpoint
    }

    /// True between a successful [`start`](Service::start) and [`stop`](Service::stop) (even
    /// if the listener has since ended on its own; see [`stopped`](Service::stopped)).
    pub fn is_running(&self) -> bool {
        self.port.is_some()
    }

    /// The address actually bound, while running.
    #[doc(alias = "getHost")]
    pub fn local_address(&self) -> Option<&Address> {
        self.port.as_ref().map(ListeningPort::local_address)
    }

    /// The running port, while running.
    pub fn port(&self) -> Option<&ListeningPort> {
        self.port.as_ref()
    }

    /// Binds the endpoint and starts handing connections to the handler. Does nothing if the
    /// service is already running.
    ///
    /// Must be called inside a tokio runtime.
    ///
    /// # Errors
    /// The endpoint's bind error ([`Error::Io`] with the OS reason, address in use and the
    /// like); then nothing listens.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes leaves the service stopped.
    #[doc(alias = "startService")]
    #[doc(alias = "privilegedStartService")]
    pub async fn start(&mut self) -> Result<()> {
        if self.port.is_some() {
            return Ok(());
        }
        let mut listener = self.endpoint.bind().await?;
        if let Some(events) = &self.events {
            listener = listener.with_events(Arc::clone(events));
        }
        let handler = Arc::clone(&self.handler);
        let port = listener.listen(move |connection| handler(connection));
        info!(endpoint = %self.endpoint, local = %port.local_address(), "service started");
        self.port = Some(port);
        Ok(())
    }

    /// Stops listening (the socket is closed when this returns); connections already accepted
    /// keep running on their own. Does nothing if the service is not running.
    ///
    /// # Cancel safety
    /// Dropping the future does not undo the stop.
    #[doc(alias = "stopService")]
    pub async fn stop(&mut self) {
        if let Some(port) = self.port.take() {
            port.stop_listening().await;
            debug!(endpoint = %self.endpoint, "service stopped");
        }
    }

    /// Stops listening, then waits up to `grace` for running handlers and aborts the rest.
    /// Returns how many were aborted (0 if the service was not running).
    ///
    /// # Cancel safety
    /// Dropping the future leaves the listener stopped and the handlers running.
    pub async fn shutdown(&mut self, grace: Duration) -> usize {
        match self.port.take() {
            Some(port) => port.shutdown(grace).await,
            None => 0,
        }
    }

    /// Waits until the running listener stops: after [`stop`](Service::stop) was asked from
    /// elsewhere, or when a fatal accept error ended it. Never returns if the service is not
    /// running.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn stopped(&self) {
        match &self.port {
            Some(port) => port.stopped().await,
            None => std::future::pending().await,
        }
    }
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("endpoint", &self.endpoint.to_string())
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// Several [`Service`]s started, run and shut down together: what a server program's `main`
/// does.
///
/// [`run_until_signal`](ServiceGroup::run_until_signal) starts them all, waits for SIGINT or
/// SIGTERM, then stops accepting on every service and gives running handlers a grace period.
///
/// # Examples
/// ```no_run
/// # #[tokio::main]
/// # async fn main() -> endpoint_core::Result<()> {
/// use std::time::Duration;
/// use endpoint_core::Connection;
/// use endpoint_service::{Service, ServiceGroup};
///
/// let mut group = ServiceGroup::new();
/// group.add(Service::from_description("tcp:8080", |_c: Connection| async {})?);
/// group.add(Service::from_description("unix:/run/app.sock", |_c: Connection| async {})?);
/// group.run_until_signal(Duration::from_secs(10)).await
/// # }
/// ```
#[derive(Debug, Default)]
pub struct ServiceGroup {
    services: Vec<Service>,
}

impl ServiceGroup {
    /// An empty group.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a service (started by the next [`start_all`](ServiceGroup::start_all)).
    pub fn add(&mut self, service: Service) -> &mut Self {
        self.services.push(service);
        self
    }

    /// The services, in the order they were added.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// Starts every service not yet running, in order.
    ///
    /// # Errors
    /// The first service's start error; the services this call had started are stopped again
    /// before it returns, so a failed start leaves nothing listening that was not before.
    ///
    /// # Cancel safety
    /// Dropping the future may leave some services running; [`stop_all`](Self::stop_all)
    /// stops them.
    pub async fn start_all(&mut self) -> Result<()> {
        let mut started = Vec::new();
        for (i, service) in self.services.iter_mut().enumerate() {
            if service.is_running() {
                continue;
            }
            if let Err(e) = service.start().await {
                for &j in &started {
                    let service: &mut Service = &mut self.services[j];
                    service.stop().await;
                }
                return Err(e);
            }
            started.push(i);
        }
        Ok(())
    }

    /// Stops listening on every service; running handlers keep running.
    pub async fn stop_all(&mut self) {
        for service in &mut self.services {
            service.stop().await;
        }
    }

    /// Stops listening on every service at once, then gives all running handlers `grace` to
    /// finish and aborts the rest. Returns how many handlers were aborted.
    ///
    /// # Cancel safety
    /// Dropping the future leaves some listeners stopped and the handlers running.
    pub async fn shutdown(&mut self, grace: Duration) -> usize {
        let ports: Vec<ListeningPort> = self
            .services
            .iter_mut()
            .filter_map(|s| s.port.take())
            .collect();
        for port in &ports {
            port.stop_listening().await;
        }
        let mut aborted = 0;
        let drains: Vec<_> = ports
            .into_iter()
            .map(|port| tokio::spawn(port.shutdown(grace)))
            .collect();
        for drain in drains {
            aborted += drain.await.unwrap_or(0);
        }
        aborted
    }

    /// Starts every service, runs until `until` completes, then [shuts
    /// down](ServiceGroup::shutdown) with `grace`.
    ///
    /// # Errors
    /// A start error (nothing is left listening), or [`Error::Other`] when a service's listener
    /// ended on its own (a fatal accept error, logged when it happened); the group is shut
    /// down in that case too.
    pub async fn run_until<F: Future>(&mut self, grace: Duration, until: F) -> Result<()> {
        self.start_all().await?;
        let ended = {
            let watch = futures_select_stopped(&self.services);
            tokio::select! {
                _ = until => None,
                ended = watch => Some(ended),
            }
        };
        let aborted = self.shutdown(grace).await;
        if aborted > 0 {
            warn!(
                aborted,
                ?grace,
                "aborted handlers still running after the grace period"
            );
        }
        match ended {
            None => Ok(()),
            Some(description) => {
                error!(endpoint = %description, "a listener ended on its own");
                Err(Error::other(format!(
                    "the listener of \"{description}\" ended on its own (a fatal accept error; see the log)"
                )))
            }
        }
    }

    /// Starts every service, runs until SIGINT or SIGTERM, then stops accepting everywhere and
    /// gives running handlers `grace` to finish (the rest are aborted).
    ///
    /// The signal handlers are installed before the services start; a program that prints
    /// something after starting (a "ready" line) and must not miss an early signal calls
    /// [`shutdown_signal`] first, then [`start_all`](Self::start_all), then
    /// [`run_until`](Self::run_until).
    ///
    /// # Errors
    /// [`Error::Other`] if the signal handlers cannot be installed; otherwise as
    /// [`run_until`](Self::run_until).
    pub async fn run_until_signal(&mut self, grace: Duration) -> Result<()> {
        let signal = shutdown_signal()?;
        self.run_until(grace, signal).await
    }
}

/// Resolves with the description of the first service whose listener stops on its own.
async fn futures_select_stopped(services: &[Service]) -> String {
    let waits: Vec<BoxFuture<'_, String>> = services
        .iter()
        .filter(|s| s.is_running())
        .map(|s| -> BoxFuture<'_, String> {
            Box::pin(async move {
                s.stopped().await;
                s.endpoint.to_string()
            })
        })
        .collect();
    if waits.is_empty() {
        return std::future::pending().await;
    }
    let mut waits = waits;
    std::future::poll_fn(move |cx| {
        for wait in waits.iter_mut() {
            if let std::task::Poll::Ready(description) = wait.as_mut().poll(cx) {
                return std::task::Poll::Ready(description);
            }
        }
        std::task::Poll::Pending
    })
    .await
}

/// Installs SIGINT and SIGTERM handlers now and returns a future that resolves with the
/// signal's name (`"SIGINT"` or `"SIGTERM"`) when the first of them arrives.
///
/// Signals that arrive between this call and the first poll are not lost. Must be called
/// inside a tokio runtime.
///
/// # Errors
/// [`Error::Other`] when the handlers cannot be installed.
pub fn shutdown_signal() -> Result<impl Future<Output = &'static str> + Send + 'static> {
    use tokio::signal::unix::{signal, SignalKind};
    let failed = |e: std::io::Error| Error::Other {
        message: "could not install the SIGINT/SIGTERM handlers".into(),
        source: Some(Box::new(e)),
    };
    let mut interrupt = signal(SignalKind::interrupt()).map_err(failed)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(failed)?;
    Ok(async move {
        let name = tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        info!(signal = name, "shutting down");
        name
    })
}
