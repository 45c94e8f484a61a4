//! The `socks5+` and `httpconnect+` client layers: reach the inner endpoint's target
//! through the proxy that `proxy=` describes.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use endpoint_core::description::{declared_default, Args, Description, Secret, Value};
use endpoint_core::{
    Address, Authority, BoxFuture, ClientEndpoint, Connection, EgressPolicy, Error, InnerParser,
    Registry, Result,
};
use endpoint_tcp::TcpClientEndpoint;

use crate::error::{Failure, ProxyError, ProxyProblem, Stage};
use crate::info::ProxiedThrough;
use crate::route::{Hop, Route};
use crate::specs::SOCKS5_CLIENT_LAYER_OPTIONS;
use crate::url::{is_proxy_url, ProxyUrl, Scheme};
use crate::{http, socks5};

/// Who resolves a SOCKS5 target's host name (`resolve=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Resolve {
    /// The proxy resolves it: the name goes to the proxy as is (what `socks5h://` means
    /// elsewhere). The default: the proxy's view of DNS is usually the one that matters, and
    /// no lookup leaks from this machine.
    #[default]
    Remote,
    /// This machine resolves it and sends the proxy an address (the registry's egress
    /// policy is checked against it).
    Local,
}

impl Resolve {
    fn as_str(self) -> &'static str {
        match self {
            Resolve::Remote => "remote",
            Resolve::Local => "local",
        }
    }

    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "remote" => Ok(Resolve::Remote),
            "local" => Ok(Resolve::Local),
            _ => Err(format!("is not remote or local: \"{text}\"")),
        }
    }

    /// The URL scheme that means it: `socks5h://` (remote) or `socks5://` (local).
    fn scheme(self) -> Scheme {
        match self {
            Resolve::Remote => Scheme::Socks5h,
            Resolve::Local => Scheme::Socks5,
        }
    }
}

/// What both layers share: the target, the proxy, credentials and the deadline.
struct Common {
    /// The inner endpoint: only its authority is used; it is never connected.
    target: Arc<dyn ClientEndpoint>,
    authority: Authority,
    route: Route,
    user: Option<String>,
    password: Option<String>,
    handshake_timeout: Duration,
    egress: Option<EgressPolicy>,
}

impl Common {
    fn new(authority: Authority, proxy: Arc<dyn ClientEndpoint>) -> Self {
        let target = TcpClientEndpoint::new(authority.host(), authority.port());
        Common {
            target: Arc::new(target),
            authority,
            route: Route::Fixed(proxy),
            user: None,
            password: None,
            handshake_timeout: default_handshake_timeout(),
            egress: None,
        }
    }

    /// The endpoint-side state of a layer: `target` must reach a host and port.
    fn layered(shared: Shared, target: Arc<dyn ClientEndpoint>, layer: &str) -> Result<Self> {
        let authority = target.authority().ok_or_else(|| Error::Other {
            message: format!(
                "the {layer} layer needs an inner endpoint that names a host and port, not \
                 \"{target}\""
            ),
            source: None,
        })?;
        Ok(Common {
            target,
            authority,
            route: shared.route,
            user: shared.user,
            password: shared.password,
            handshake_timeout: shared.handshake_timeout,
            egress: shared.egress,
        })
    }

    fn credentials(&self) -> Option<(String, String)> {
        let user = self.user.clone()?;
        Some((user, self.password.clone().unwrap_or_default()))
    }

    /// Connects to the target through the proxy the route names for it (or directly, when
    /// `proxy=env` and the environment says so), speaking `own` (the layer's protocol) with
    /// a fixed proxy and the protocol of the environment's URL with `proxy=env`.
    async fn connect(&self, outer: &(dyn fmt::Display + Sync), own: Scheme) -> Result<Connection> {
        self.check_target(outer)?;
        let lookup = |name: &str| std::env::var(name).ok();
        let hop = self
            .route
            .hop(&self.authority, own, self.credentials(), outer, &lookup)?;
        let (proxy, scheme, credentials) = match hop {
            Hop::Direct => {
                tracing::debug!(endpoint = %outer, target = %self.authority, "no proxy for the target: connecting directly");
                return self.target.connect().await;
            }
            Hop::Proxy {
                proxy,
                scheme,
                credentials,
            } => (proxy, scheme, credentials),
        };
        let via = Via {
            proxy: &proxy,
            credentials: credentials.as_ref().map(|(u, p)| (u.as_str(), p.as_str())),
        };
        match scheme {
            Scheme::Http => {
                if let Some(ip) = self.authority.ip() {
                    self.check_egress(ip, outer)?;
                }
                let request = http::request(&self.authority.to_string(), via.credentials);
                let peer = self.target_address();
                self.run(outer, &via, Handshake::HttpConnect(request), peer)
                    .await
            }
            Scheme::Socks5 | Scheme::Socks5h => {
                let too_long = |s: &str| s.len() > 255;
                if via
                    .credentials
                    .is_some_and(|(u, p)| too_long(u) || too_long(p))
                {
                    let reason = "a SOCKS5 user name or password is longer than 255 bytes";
                    return Err(Error::io(
                        "connect through",
                        outer,
                        io::Error::new(io::ErrorKind::InvalidInput, reason),
                    ));
                }
                let resolve = match scheme {
                    Scheme::Socks5 => Resolve::Local,
                    _ => Resolve::Remote,
                };
                let destination = self.destination(resolve, outer).await?;
                let peer = match &destination {
                    socks5::Destination::Ip(address) => Address::Inet(*address),
                    socks5::Destination::Name(..) => self.target_address(),
                };
                self.run(outer, &via, Handshake::Socks5(destination), peer)
                    .await
            }
        }
    }

    /// The SOCKS5 destination to send: an address, or the name when the proxy resolves it.
    async fn destination(
        &self,
        resolve: Resolve,
        outer: &(dyn fmt::Display + Sync),
    ) -> Result<socks5::Destination> {
        let a = &self.authority;
        if let Some(ip) = a.ip() {
            self.check_egress(ip, outer)?;
            return Ok(socks5::Destination::Ip(SocketAddr::new(ip, a.port())));
        }
        if resolve == Resolve::Remote {
            if a.host().len() > 255 {
                let reason = "the target's host name is longer than 255 bytes";
                return Err(Error::io(
                    "connect through",
                    outer,
                    io::Error::new(io::ErrorKind::InvalidInput, reason),
                ));
            }
            return Ok(socks5::Destination::Name(a.host().to_owned(), a.port()));
        }
        let addresses = tokio::net::lookup_host((a.host(), a.port()))
            .await
            .map_err(|e| Error::io("resolve", outer, e))?;
        let mut refused = None;
        for address in addresses {
            match self.check_egress(address.ip(), outer) {
                Ok(()) => return Ok(socks5::Destination::Ip(address)),
                Err(e) => refused = Some(e),
            }
        }
        Err(refused.unwrap_or_else(|| {
            let reason = format!("host {:?} has no addresses", a.host());
            Error::io(
                "resolve",
                outer,
                io::Error::new(io::ErrorKind::NotFound, reason),
            )
        }))
    }

    /// Refuses a target host that is not a DNS name or an IP literal (a target built in code,
    /// not parsed: `Authority::new("h\r\nX: y", 80)` would put a header into the request).
    fn check_target(&self, outer: &dyn fmt::Display) -> Result<()> {
        endpoint_core::description::parse_host(self.authority.host())
            .map(|_| ())
            .map_err(|e| {
                let reason = format!("the target host {}", e.reason());
                Error::io(
                    "connect through",
                    outer,
                    io::Error::new(io::ErrorKind::InvalidInput, reason),
                )
            })
    }

    /// Refuses a literal target address the egress policy refuses.
    fn check_egress(&self, address: std::net::IpAddr, outer: &dyn fmt::Display) -> Result<()> {
        match &self.egress {
            Some(policy) => policy.check(address).map_err(|refusal| {
                Error::io(
                    "connect through",
                    outer,
                    io::Error::new(io::ErrorKind::PermissionDenied, refusal),
                )
            }),
            None => Ok(()),
        }
    }

    /// Connects to the proxy and runs the handshake on that connection under the deadline.
    /// The connection stays the proxy's own (a plain socket stays spliceable); bytes the
    /// handshake read past its answer are put back in front.
    async fn run(
        &self,
        outer: &(dyn fmt::Display + Sync),
        via: &Via<'_>,
        handshake: Handshake,
        peer: Address,
    ) -> Result<Connection> {
        let protocol = handshake.protocol();
        let mut connection = via.proxy.connect().await?;
        let mut stage = Stage::Greeting;
        let limit = self.handshake_timeout;
        let outcome = tokio::time::timeout(
            limit,
            Self::handshake(&mut connection, &mut stage, &handshake, via.credentials),
        )
        .await;
        let (unread, bound) = match outcome {
            Err(_) => {
                return Err(Error::Timeout {
                    action: timeout_action(protocol, stage),
                    endpoint: via.proxy.to_string(),
                    after: limit,
                })
            }
            Ok(Err(failure)) => return Err(self.failure(via, protocol, stage, failure, outer)),
            Ok(Ok(done)) => done,
        };
        tracing::debug!(endpoint = %outer, target = %self.authority, "proxy handshake done");
        let proxy_address = connection.peer_address().clone();
        let info = connection.info_mut();
        info.peer = peer;
        info.stack.push(protocol);
        info.insert(ProxiedThrough {
            protocol,
            proxy: via.proxy.to_string(),
            proxy_address,
            target: self.authority.clone(),
            bound,
        });
        Ok(connection.with_unread(unread))
    }

    async fn handshake(
        connection: &mut Connection,
        stage: &mut Stage,
        handshake: &Handshake,
        credentials: Option<(&str, &str)>,
    ) -> std::result::Result<(Vec<u8>, Option<String>), Failure> {
        match handshake {
            Handshake::Socks5(destination) => {
                let credentials =
                    credentials.map(|(user, password)| socks5::Credentials { user, password });
                let bound = socks5::handshake(connection, destination, credentials, stage).await?;
                Ok((Vec::new(), Some(bound)))
            }
            Handshake::HttpConnect(request) => {
                *stage = Stage::ConnectRequest;
                let unread = http::handshake(connection, request, credentials.is_some())
                    .await
                    .inspect_err(|f| {
                        if let Failure::Problem(
                            ProxyProblem::BadCredentials | ProxyProblem::CredentialsRequired,
                        ) = f
                        {
                            *stage = Stage::Auth;
                        }
                    })?;
                Ok((unread, None))
            }
        }
    }

    /// A failed handshake as the `Error::Io` `connect` returns, its source a [`ProxyError`].
    fn failure(
        &self,
        via: &Via<'_>,
        protocol: &'static str,
        stage: Stage,
        failure: Failure,
        outer: &dyn fmt::Display,
    ) -> Error {
        let (problem, source) = match failure {
            Failure::Problem(problem) => (problem, None),
            Failure::Io(e) => (ProxyProblem::ConnectionLost, Some(e)),
        };
        let kind = source.as_ref().map_or(problem.io_kind(), io::Error::kind);
        tracing::debug!(endpoint = %outer, %stage, %problem, "proxy handshake failed");
        let error = ProxyError {
            protocol,
            proxy: via.proxy.to_string(),
            target: self.authority.clone(),
            stage,
            problem,
            source,
        };
        Error::io("connect through", outer, io::Error::new(kind, error))
    }

    /// The peer address a proxied connection reports: the target.
    fn target_address(&self) -> Address {
        match self.authority.ip() {
            Some(ip) => Address::Inet(SocketAddr::new(ip, self.authority.port())),
            None => Address::Other(self.authority.to_string()),
        }
    }

    /// The layer's description: the shared options, in the spec's order, around `extra`
    /// (socks5's `resolve`); the proxy as a nested value, the credentials as secrets.
    fn description(&self, layer: &str, resolve: Option<Resolve>) -> Description {
        let secret = |value: &Option<String>| value.as_deref().map(Secret::new);
        self.route
            .describe(Description::layer(layer, self.target.description()))
            .secret_some("user", secret(&self.user).as_ref())
            .secret_some("password", secret(&self.password).as_ref())
            .option_some("resolve", resolve.map(Resolve::as_str))
            .seconds("handshakeTimeout", self.handshake_timeout)
    }
}

/// The proxy one connect goes through, and the credentials it gets.
struct Via<'a> {
    proxy: &'a Arc<dyn ClientEndpoint>,
    credentials: Option<(&'a str, &'a str)>,
}

/// One handshake's input.
enum Handshake {
    Socks5(socks5::Destination),
    HttpConnect(Vec<u8>),
}

impl Handshake {
    fn protocol(&self) -> &'static str {
        match self {
            Handshake::Socks5(_) => "socks5",
            Handshake::HttpConnect(_) => "httpconnect",
        }
    }
}

/// The `Error::Timeout` action for a stalled stage (the endpoint it names is the proxy).
fn timeout_action(protocol: &str, stage: Stage) -> &'static str {
    match (protocol, stage) {
        ("socks5", Stage::Greeting) => "complete the socks5 greeting with proxy",
        ("socks5", Stage::Auth) => "complete the socks5 auth with proxy",
        ("socks5", _) => "complete the socks5 connect request with proxy",
        (_, Stage::Auth) => "complete the http CONNECT auth with proxy",
        _ => "complete the http CONNECT request with proxy",
    }
}

fn default_handshake_timeout() -> Duration {
    declared_default(SOCKS5_CLIENT_LAYER_OPTIONS, "handshakeTimeout")
}

/// The target: the inner endpoint's authority. The inner endpoint is never connected, so
/// only a `tcp:` client may name it: anything else (a `tls+` or `unix:` inner) would be
/// silently skipped, and is refused.
fn target_of(args: &Args, inner: &dyn ClientEndpoint) -> Result<Authority> {
    let layer = args.kind().to_owned();
    // The inner description value says what kind it is: only a bare tcp: client names a
    // target without being connected itself.
    let inner_kind = inner.description();
    let authority = inner
        .authority()
        .filter(|_| inner_kind.kind() == "tcp" && inner_kind.inner().is_none());
    // The tcp: parser has checked its host; one built otherwise is checked here, since the
    // host goes on the wire (a CONNECT request line, a SOCKS5 name).
    if let Some(authority) = &authority {
        if let Err(e) = endpoint_core::description::parse_host(authority.host()) {
            return Err(args.invalid("target", 0, e.reason().to_owned()));
        }
    }
    authority.ok_or_else(|| {
        args.invalid(
            "target",
            0,
            format!(
                "must be a tcp: client naming the host and port to reach through the proxy \
                 (\"{layer}+tcp:HOST:PORT:proxy=...\"), not \"{inner}\"; the inner endpoint is \
                 not connected, only its host and port are sent to the proxy (put tls+ above: \
                 \"tls+{layer}+tcp:...\")"
            ),
        )
    })
}

/// What the settings of both layers hold.
#[derive(Clone, Debug)]
struct Shared {
    route: Route,
    user: Option<String>,
    password: Option<String>,
    handshake_timeout: Duration,
    egress: Option<EgressPolicy>,
}

impl Shared {
    /// `proxy=env` with `registry` parsing the proxy and its egress policy for targets.
    fn environment(registry: &Registry) -> Self {
        Shared {
            route: Route::Environment(Arc::new(registry.clone())),
            user: None,
            password: None,
            handshake_timeout: default_handshake_timeout(),
            egress: InnerParser::egress(registry).cloned(),
        }
    }

    fn new(proxy: Arc<dyn ClientEndpoint>) -> Self {
        Shared {
            route: Route::Fixed(proxy),
            user: None,
            password: None,
            handshake_timeout: default_handshake_timeout(),
            egress: None,
        }
    }

    /// The options both layers take, read from `args`; `inner` names the target (checked
    /// here, where the error can point at the description). Also returns the URL `proxy=`
    /// was written as, if it was one, whose scheme the layer then checks.
    fn from_args(
        args: &mut Args,
        inner: &dyn ClientEndpoint,
    ) -> Result<(Self, Authority, Option<ProxyUrl>)> {
        let authority = target_of(args, inner)?;
        let given = args.keyword("proxy");
        let given = args.required("proxy", given)?;
        let (route, url) = proxy_route(args, &given)?;
        let mut user: Option<String> = args.get_optional("user")?;
        let mut password: Option<String> = args.get_optional("password")?;
        if let Some(url) = url.as_ref().filter(|url| url.user.is_some()) {
            for (name, given) in [("user", user.is_some()), ("password", password.is_some())] {
                if given {
                    let at = args.position_of(name);
                    let reason = "is given twice: in the proxy URL and as an option".to_owned();
                    return Err(args.invalid(name, at, reason));
                }
            }
            user.clone_from(&url.user);
            password.clone_from(&url.password);
        }
        if password.is_some() && user.is_none() {
            let at = args.position_of("password");
            return Err(args.invalid("password", at, "needs user= as well".into()));
        }
        let handshake_timeout = args.get("handshakeTimeout")?;
        let shared = Shared {
            route,
            user,
            password,
            handshake_timeout,
            egress: args.registry().egress().cloned(),
        };
        Ok((shared, authority, url))
    }
}

/// `proxy=`'s value as a route: `env`; a proxy URL, standing for the nested `tcp:` description
/// of its address (its credentials and scheme go to the layer's options); or a nested client
/// description. Either way the proxy is parsed by the registry that is parsing.
fn proxy_route(args: &Args, given: &Value) -> Result<(Route, Option<ProxyUrl>)> {
    if given.text == "env" {
        return Ok((Route::Environment(args.registry_handle()), None));
    }
    let url = if is_proxy_url(&given.text) {
        // The reason never quotes the URL, which may hold a password.
        Some(args.convert("proxy", given, |text| ProxyUrl::parse(text, false))?)
    } else {
        None
    };
    let text = url
        .as_ref()
        .map_or(given.text.clone(), ProxyUrl::description);
    let proxy = args.registry().client(&text).map_err(|e| {
        args.invalid(
            "proxy",
            given.position,
            format!("is not a usable client description: {e}"),
        )
    })?;
    Ok((Route::Fixed(proxy), url))
}

/// Refuses a proxy URL whose scheme another layer speaks (`http://` under `socks5+`).
fn check_scheme(args: &Args, url: Option<&ProxyUrl>) -> Result<()> {
    let layer = args.kind().to_owned();
    match url {
        Some(url) if url.scheme.layer() != layer => {
            let takes = if layer == "socks5" {
                "socks5:// or socks5h://"
            } else {
                "http://"
            };
            let reason = format!(
                "is a proxy URL for the {} layer (scheme {}); the {layer} layer takes {takes}",
                url.scheme.layer(),
                url.scheme,
            );
            Err(args.invalid("proxy", args.position_of("proxy"), reason))
        }
        _ => Ok(()),
    }
}

/// The settings of the `socks5+` layer: the proxy, credentials, who resolves names, the
/// handshake deadline and the egress policy. Put the layer over the target's endpoint (only
/// its host and port are used; it is never connected) with [`layer`](Socks5Settings::layer).
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use endpoint_core::{Authority, ClientEndpoint};
/// use endpoint_proxy::{Resolve, Socks5Settings};
/// use endpoint_tcp::TcpClientEndpoint;
///
/// let proxy = Arc::new(TcpClientEndpoint::new("127.0.0.1", 1080));
/// let client = Socks5Settings::new(proxy)
///     .credentials("me", "hunter2")
///     .resolve(Resolve::Local)
///     .layer(Arc::new(TcpClientEndpoint::new("example.com", 443)))?;
/// assert_eq!(client.authority(), Some(Authority::new("example.com", 443)));
/// # Ok::<(), endpoint_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Socks5Settings {
    shared: Shared,
    resolve: Resolve,
}

impl Socks5Settings {
    /// Through the SOCKS5 proxy `proxy` reaches, without credentials, resolving names
    /// remotely, with the default `handshakeTimeout` (10 s).
    pub fn new(proxy: Arc<dyn ClientEndpoint>) -> Self {
        Socks5Settings {
            shared: Shared::new(proxy),
            resolve: Resolve::Remote,
        }
    }

    /// Through the proxy the environment names at each connect, as `proxy=env` (see the
    /// crate docs): its URL's scheme decides the protocol and who resolves names, and
    /// `registry` parses the proxy's `tcp:` description (its allow-list and egress policy
    /// apply).
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use endpoint_core::Registry;
    /// use endpoint_proxy::Socks5Settings;
    /// use endpoint_tcp::TcpClientEndpoint;
    ///
    /// let client = Socks5Settings::from_environment(Registry::global())
    ///     .layer(Arc::new(TcpClientEndpoint::new("example.com", 443)))?;
    /// assert!(client.proxy().is_none());
    /// assert!(client.to_string().contains(":socks5.proxy=env:"));
    /// # Ok::<(), endpoint_core::Error>(())
    /// ```
    pub fn from_environment(registry: &Registry) -> Self {
        Socks5Settings {
            shared: Shared::environment(registry),
            resolve: Resolve::Remote,
        }
    }

    /// Authenticates with `user` and `password` (RFC 1929; each at most 255 bytes, else
    /// `connect` fails).
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.shared.user = Some(user.into());
        self.shared.password = Some(password.into());
        self
    }

    /// Who resolves the target's name.
    pub fn resolve(mut self, resolve: Resolve) -> Self {
        self.resolve = resolve;
        self
    }

    /// The limit for the handshake with the proxy.
    pub fn handshake_timeout(mut self, limit: Duration) -> Self {
        self.shared.handshake_timeout = limit;
        self
    }

    /// Checks target addresses (literal or resolved locally) against `policy`.
    pub fn egress(mut self, policy: EgressPolicy) -> Self {
        self.shared.egress = Some(policy);
        self
    }

    /// Reaches the host and port `target` names through the proxy (the tower-style
    /// `Layer::layer`).
    ///
    /// # Errors
    /// [`Error::Other`] when `target` names no host and port (its
    /// [`authority`](ClientEndpoint::authority) is `None`).
    pub fn layer(self, target: Arc<dyn ClientEndpoint>) -> Result<Socks5ClientEndpoint> {
        Ok(Socks5ClientEndpoint {
            common: Common::layered(self.shared, target, "socks5")?,
            resolve: self.resolve,
        })
    }

    /// Reads the layer's options (`proxy`, `user`, `password`, `resolve`,
    /// `handshakeTimeout`) and checks them against the SOCKS5 wire limits; `inner` is the
    /// target. The parser then finishes the arguments and calls [`layer`](Self::layer).
    pub(crate) fn from_args(args: &mut Args, inner: &dyn ClientEndpoint) -> Result<Self> {
        let (shared, authority, url) = Shared::from_args(args, inner)?;
        check_scheme(args, url.as_ref())?;
        let written = args.has_keyword("resolve");
        let mut resolve = args.get_with("resolve", Resolve::parse)?;
        // A URL's scheme says who resolves (socks5:// here, socks5h:// the proxy); with
        // proxy=env the environment's URL says it at each connect.
        let implied = match (&shared.route, &url) {
            (Route::Environment(_), _) => Some(("the URL proxy=env reads", None)),
            (_, Some(url)) => Some((
                "the proxy URL",
                Some(match url.scheme {
                    Scheme::Socks5 => Resolve::Local,
                    _ => Resolve::Remote,
                }),
            )),
            _ => None,
        };
        if let Some((source, implied)) = implied {
            if written && implied != Some(resolve) {
                let at = args.position_of("resolve");
                let reason = format!(
                    "is decided by {source}: its scheme says who resolves names \
                     (socks5:// here, socks5h:// the proxy)"
                );
                return Err(args.invalid("resolve", at, reason));
            }
            resolve = implied.unwrap_or(resolve);
        }
        check_socks5(args, &shared, &authority, resolve)?;
        Ok(Socks5Settings { shared, resolve })
    }
}

/// The settings of the `httpconnect+` layer: the proxy, Basic credentials, the handshake
/// deadline and the egress policy. Put the layer over the target's endpoint (only its host
/// and port are used) with [`layer`](HttpConnectSettings::layer).
#[derive(Clone, Debug)]
pub struct HttpConnectSettings {
    shared: Shared,
}

impl HttpConnectSettings {
    /// Through the HTTP proxy `proxy` reaches, without credentials, with the default
    /// `handshakeTimeout` (10 s).
    pub fn new(proxy: Arc<dyn ClientEndpoint>) -> Self {
        HttpConnectSettings {
            shared: Shared::new(proxy),
        }
    }

    /// Through the proxy the environment names at each connect, as `proxy=env` (see the
    /// crate docs and [`Socks5Settings::from_environment`]).
    pub fn from_environment(registry: &Registry) -> Self {
        HttpConnectSettings {
            shared: Shared::environment(registry),
        }
    }

    /// Sends Basic credentials (`user` must not contain `:`).
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.shared.user = Some(user.into());
        self.shared.password = Some(password.into());
        self
    }

    /// The limit for the handshake with the proxy.
    pub fn handshake_timeout(mut self, limit: Duration) -> Self {
        self.shared.handshake_timeout = limit;
        self
    }

    /// Checks a literal target address against `policy` (names are resolved by the proxy).
    pub fn egress(mut self, policy: EgressPolicy) -> Self {
        self.shared.egress = Some(policy);
        self
    }

    /// Reaches the host and port `target` names through the proxy with `CONNECT` (the
    /// tower-style `Layer::layer`).
    ///
    /// # Errors
    /// [`Error::Other`] when `target` names no host and port.
    pub fn layer(self, target: Arc<dyn ClientEndpoint>) -> Result<HttpConnectClientEndpoint> {
        Ok(HttpConnectClientEndpoint {
            common: Common::layered(self.shared, target, "httpconnect")?,
        })
    }

    /// Reads the layer's options (`proxy`, `user`, `password`, `handshakeTimeout`); `inner`
    /// is the target. The parser then finishes the arguments and calls
    /// [`layer`](Self::layer).
    pub(crate) fn from_args(args: &mut Args, inner: &dyn ClientEndpoint) -> Result<Self> {
        let (shared, _, url) = Shared::from_args(args, inner)?;
        check_scheme(args, url.as_ref())?;
        if shared.user.as_ref().is_some_and(|u| u.contains(':')) {
            let at = args.position_of("user");
            let reason = "contains a colon, which Basic credentials cannot carry".to_owned();
            return Err(args.invalid("user", at, reason));
        }
        Ok(HttpConnectSettings { shared })
    }
}

/// Checks what the SOCKS5 wire format limits: names and credentials of at most 255 bytes.
fn check_socks5(
    args: &Args,
    shared: &Shared,
    authority: &Authority,
    resolve: Resolve,
) -> Result<()> {
    let too_long = |name: &str, what: &str| {
        args.invalid(
            name,
            args.position_of(name),
            format!("is longer than the 255 bytes SOCKS5 allows for {what}"),
        )
    };
    if resolve == Resolve::Remote && authority.ip().is_none() && authority.host().len() > 255 {
        return Err(too_long("target", "a host name"));
    }
    if shared.user.as_ref().is_some_and(|u| u.len() > 255) {
        return Err(too_long("user", "a user name"));
    }
    if shared.password.as_ref().is_some_and(|p| p.len() > 255) {
        return Err(too_long("password", "a password"));
    }
    Ok(())
}

/// `socks5+tcp:HOST:PORT:proxy=...`: reaches `HOST:PORT` through a SOCKS5 proxy
/// (RFC 1928), with username/password authentication (RFC 1929) when `user=` is given.
///
/// The inner `tcp:` description names the target and is never connected; `proxy=` is the
/// client description of the proxy itself, parsed by the registry that parses this one (so
/// its egress policy and allow-list apply), and may be any kind: `tcp\:127.0.0.1\:1080`,
/// `unix\:/run/socks.sock`, `tls+tcp\:proxy.example\:1080`. By default the proxy resolves
/// the target's name (`resolve=remote`, the `socks5h` behaviour); IPv6 targets are sent as
/// addresses (`tcp:[2001:db8::1]:443`).
///
/// The connection is the proxy's own after the handshake: over a plain tcp or unix proxy
/// connection it stays a plain socket, so `endpoint relay` can still splice it.
/// `peer_address()` is the target; [`ProxiedThrough`] keeps the proxy's address.
///
/// # Errors
/// `connect` fails with the proxy endpoint's own errors when the proxy cannot be reached;
/// with [`Error::Timeout`] naming the proxy and the stage (`greeting`, `auth`, `connect
/// request`) when the proxy stalls past `handshakeTimeout`; and with [`Error::Io`] whose
/// source is a [`ProxyError`] (the proxy, the stage, the [`ProxyProblem`]) when it refuses:
/// `io_kind()` is `ConnectionRefused` for a refused target, `PermissionDenied` for bad
/// credentials or the proxy's rules, `HostUnreachable`/`NetworkUnreachable`, ...
///
/// # Examples
/// ```
/// use endpoint_core::{Authority, Registry};
/// use endpoint_proxy as _;
/// use endpoint_tcp as _;
/// let client = Registry::global()
///     .client(r"socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1080:user=me:password=hunter2")
///     .unwrap();
/// // The target is what layers above see: `tls+socks5+...` verifies example.com.
/// assert_eq!(client.authority(), Some(Authority::new("example.com", 443)));
/// // Credentials are masked.
/// assert_eq!(
///     client.to_string(),
///     r"socks5+tcp:example.com:443:timeout=30:socks5.proxy=tcp\:127.0.0.1\:1080\:timeout\=30:socks5.user=***:socks5.password=***:socks5.resolve=remote:socks5.handshakeTimeout=10"
/// );
/// ```
pub struct Socks5ClientEndpoint {
    common: Common,
    resolve: Resolve,
}

impl Socks5ClientEndpoint {
    /// Reaches `target` through the SOCKS5 proxy `proxy` reaches, without credentials,
    /// resolving names remotely, with the default `handshakeTimeout` (10 s): a shortcut for
    /// [`Socks5Settings::new(proxy)`](Socks5Settings::new)`.layer(tcp client of target)`.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use endpoint_core::{Authority, ClientEndpoint};
    /// use endpoint_proxy::{Resolve, Socks5ClientEndpoint};
    /// use endpoint_tcp::TcpClientEndpoint;
    ///
    /// let proxy = Arc::new(TcpClientEndpoint::new("127.0.0.1", 1080));
    /// let client = Socks5ClientEndpoint::new(Authority::new("example.com", 443), proxy)
    ///     .credentials("me", "hunter2")
    ///     .resolve(Resolve::Local)
    ///     .handshake_timeout(Duration::from_secs(5));
    /// assert_eq!(client.authority(), Some(Authority::new("example.com", 443)));
    /// assert!(client.to_string().ends_with(":socks5.user=***:socks5.password=***:socks5.resolve=local:socks5.handshakeTimeout=5"));
    /// ```
    pub fn new(target: Authority, proxy: Arc<dyn ClientEndpoint>) -> Self {
        Socks5ClientEndpoint {
            common: Common::new(target, proxy),
            resolve: Resolve::Remote,
        }
    }

    /// Authenticates with `user` and `password` (RFC 1929; each at most 255 bytes, else
    /// `connect` fails).
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.common.user = Some(user.into());
        self.common.password = Some(password.into());
        self
    }

    /// Who resolves the target's name.
    pub fn resolve(mut self, resolve: Resolve) -> Self {
        self.resolve = resolve;
        self
    }

    /// The limit for the handshake with the proxy.
    pub fn handshake_timeout(mut self, limit: Duration) -> Self {
        self.common.handshake_timeout = limit;
        self
    }

    /// Checks target addresses (literal or resolved locally) against `policy`. (A registry
    /// with an egress policy sets it on every socks5 client it builds; the proxy connection
    /// obeys the policy through its own description.)
    pub fn egress(mut self, policy: EgressPolicy) -> Self {
        self.common.egress = Some(policy);
        self
    }

    /// The proxy's endpoint; `None` with `proxy=env`, where each connect reads it from the
    /// environment.
    pub fn proxy(&self) -> Option<&Arc<dyn ClientEndpoint>> {
        self.common.route.fixed()
    }
}

impl ClientEndpoint for Socks5ClientEndpoint {
    /// Connects to the proxy, then asks it for the target within `handshakeTimeout`.
    ///
    /// # Cancel safety
    /// Dropping the future closes the proxy connection, mid-handshake or not.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(self.common.connect(self, self.resolve.scheme()))
    }

    /// The target, not the proxy: `tls+socks5+tcp:HOST:...` verifies `HOST`.
    fn authority(&self) -> Option<Authority> {
        Some(self.common.authority.clone())
    }

    fn description(&self) -> Description {
        // With proxy=env the URL's scheme decides who resolves (socks5:// or socks5h://).
        let resolve = self.common.route.fixed().map(|_| self.resolve);
        self.common.description("socks5", resolve)
    }
}

impl fmt::Display for Socks5ClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

/// Shows the (masked) description only, never the credentials.
impl fmt::Debug for Socks5ClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Socks5ClientEndpoint")
            .field("description", &self.to_string())
            .finish_non_exhaustive()
    }
}

/// `httpconnect+tcp:HOST:PORT:proxy=...`: reaches `HOST:PORT` through an HTTP proxy with
/// `CONNECT` (RFC 9110 §9.3.6), sending `Proxy-Authorization: Basic` when `user=` is given.
///
/// As for [`Socks5ClientEndpoint`]: the inner `tcp:` description names the target and is
/// never connected, `proxy=` describes the proxy itself (any client kind), the proxy
/// resolves the target's name, an IPv6 target is sent bracketed (`CONNECT [::1]:443`), and
/// over a plain proxy connection the result stays a plain socket. Bytes the proxy sends
/// right after its answer are kept.
///
/// # Errors
/// As for [`Socks5ClientEndpoint`]; the [`ProxyProblem`] is `CredentialsRequired` or
/// `BadCredentials` for a 407 (stage `auth`), else `Status` with the code and reason (403:
/// refused by the proxy; 502/503: the proxy could not reach the target).
///
/// # Examples
/// ```
/// use endpoint_core::{Authority, Registry};
/// use endpoint_proxy as _;
/// use endpoint_tcp as _;
/// let client = Registry::global()
///     .client(r"httpconnect+tcp:[2001:db8::1]:443:proxy=tcp\:proxy.internal\:3128")
///     .unwrap();
/// assert_eq!(client.authority(), Some(Authority::new("2001:db8::1", 443)));
/// assert_eq!(
///     client.to_string(),
///     r"httpconnect+tcp:2001\:db8\:\:1:443:timeout=30:httpconnect.proxy=tcp\:proxy.internal\:3128\:timeout\=30:httpconnect.handshakeTimeout=10"
/// );
/// ```
pub struct HttpConnectClientEndpoint {
    common: Common,
}

impl HttpConnectClientEndpoint {
    /// Reaches `target` through the HTTP proxy `proxy` reaches, without credentials, with
    /// the default `handshakeTimeout` (10 s): a shortcut for
    /// [`HttpConnectSettings::new(proxy)`](HttpConnectSettings::new)`.layer(tcp client of target)`.
    pub fn new(target: Authority, proxy: Arc<dyn ClientEndpoint>) -> Self {
        HttpConnectClientEndpoint {
            common: Common::new(target, proxy),
        }
    }

    /// Sends Basic credentials (`user` must not contain `:`).
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.common.user = Some(user.into());
        self.common.password = Some(password.into());
        self
    }

    /// The limit for the handshake with the proxy.
    pub fn handshake_timeout(mut self, limit: Duration) -> Self {
        self.common.handshake_timeout = limit;
        self
    }

    /// Checks a literal target address against `policy` (names are resolved by the proxy).
    pub fn egress(mut self, policy: EgressPolicy) -> Self {
        self.common.egress = Some(policy);
        self
    }

    /// The proxy's endpoint; `None` with `proxy=env`, where each connect reads it from the
    /// environment.
    pub fn proxy(&self) -> Option<&Arc<dyn ClientEndpoint>> {
        self.common.route.fixed()
    }
}

impl ClientEndpoint for HttpConnectClientEndpoint {
    /// Connects to the proxy, then sends `CONNECT` and reads the answer within
    /// `handshakeTimeout`.
    ///
    /// # Cancel safety
    /// Dropping the future closes the proxy connection, mid-handshake or not.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(self.common.connect(self, Scheme::Http))
    }

    /// The target, not the proxy: `tls+httpconnect+tcp:HOST:...` verifies `HOST`.
    fn authority(&self) -> Option<Authority> {
        Some(self.common.authority.clone())
    }

    fn description(&self) -> Description {
        self.common.description("httpconnect", None)
    }
}

impl fmt::Display for HttpConnectClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

/// Shows the (masked) description only, never the credentials.
impl fmt::Debug for HttpConnectClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpConnectClientEndpoint")
            .field("description", &self.to_string())
            .finish_non_exhaustive()
    }
}
