//! TLS client endpoints: Twisted's `ssl` and `tls` client kinds and the `tls+` layer.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::TlsProblem;
use endpoint_core::description::{Args, Description};
use endpoint_core::{
    Authority, BoxFuture, ClientEndpoint, Connection, ConnectionInfo, Error, Reached, Result,
};
use endpoint_tcp::{parse_bind_address, TcpClientEndpoint, TcpSocketSettings};
use rustls::client::danger::ServerCertVerifier;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::ServerName;
use tokio_rustls::TlsConnector;

use crate::info::TlsInfo;
use crate::pin::{self, parse_pins, SpkiPin};
use crate::verify::{PinnedVerifier, ServerVerifier};
use crate::{default_handshake_timeout, error, pem, provider, roots, versions};

/// How a TLS client verifies and identifies itself. Build an endpoint over any client
/// endpoint with [`TlsClientSettings::layer`].
///
/// Verification is always on: the chain is checked against `trust_roots` (a directory of
/// `.pem` files or one PEM file) or else the platform's roots, and the certificate must be
/// valid for `hostname`. With `pins` and no `trust_roots`, the server's key must be one of
/// the pinned keys instead (no issuer, name or date checks: for self-signed certificates);
/// with both, both checks must pass.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsClientSettings {
    /// The name sent as SNI (for DNS names) and verified in the certificate.
    pub hostname: String,
    /// Trust roots instead of the platform's.
    pub trust_roots: Option<PathBuf>,
    /// Public-key pins (`pin=`): the server's certificate must carry one of these keys.
    pub pins: Vec<SpkiPin>,
    /// A client certificate (PEM; may also hold the key).
    pub certificate: Option<PathBuf>,
    /// The client certificate's key (default: in `certificate`).
    pub private_key: Option<PathBuf>,
    /// ALPN protocols to offer, in preference order.
    pub alpn: Vec<String>,
    /// How long the handshake may take.
    pub handshake_timeout: Duration,
}

impl TlsClientSettings {
    /// Verifies `hostname` against the platform's roots, with no client certificate.
    pub fn new(hostname: impl Into<String>) -> Self {
        TlsClientSettings {
            hostname: hostname.into(),
            trust_roots: None,
            pins: Vec::new(),
            certificate: None,
            private_key: None,
            alpn: Vec::new(),
            handshake_timeout: default_handshake_timeout(),
        }
    }

    /// Loads the files and puts the TLS client layer over `inner` (the tower-style
    /// `Layer::layer`; fallible because it reads the trust roots and client certificate).
    ///
    /// # Errors
    /// [`Error::Handshake`] naming the file that is missing, holds no key, or whose key does not
    /// match its certificate; or a host name that is not a valid DNS name or IP address.
    pub fn layer(self, inner: Arc<dyn ClientEndpoint>) -> Result<TlsClientEndpoint> {
        let form = Form::Layer(self.clone());
        TlsClientEndpoint::assemble(inner, form, self)
    }

    /// The old name of [`layer`](Self::layer).
    ///
    /// # Errors
    /// As [`layer`](Self::layer).
    #[deprecated(since = "0.1.0", note = "renamed layer")]
    pub fn build(self, inner: Arc<dyn ClientEndpoint>) -> Result<TlsClientEndpoint> {
        self.layer(inner)
    }

    /// Reads the `tls+` client layer's options: `hostname` (default: the host the inner endpoint reaches, from its
    /// [`authority`](ClientEndpoint::authority)), `trustRoots`, `pin`, `certificate`, `privateKey`,
    /// `alpn`, `handshakeTimeout` (the parser then finishes the arguments and calls
    /// [`layer`](Self::layer)).
    pub(crate) fn from_args(args: &mut Args, inner: &dyn ClientEndpoint) -> Result<Self> {
        let hostname = match args.get_optional_with("hostname", ascii_host)? {
            Some(name) => name,
            None => match inner.authority() {
                Some(authority) => {
                    ascii_host(authority.host()).map_err(|reason| {
                        args.invalid(
                            "hostname",
                            args.input().len(),
                            format!(
                                "is missing, and the host \"{inner}\" reaches {reason}",
                            ),
                        )
                    })?
                }
                None => {
                    return Err(args.invalid(
                        "hostname",
                        args.input().len(),
                        format!(
                            "is required: \"{inner}\" reaches no host name to verify (write hostname=NAME)"
                        ),
                    ))
                }
            },
        };
        let mut settings = TlsClientSettings::new(hostname);
        settings.trust_roots = args.get_optional("trustRoots")?;
        settings.pins = args
            .get_optional_with("pin", parse_pins)?
            .unwrap_or_default();
        settings.certificate = args.get_optional("certificate")?;
        settings.private_key = args.get_optional("privateKey")?;
        settings.alpn = args
            .get_optional_with("alpn", parse_alpn)?
            .unwrap_or_default();
        settings.handshake_timeout = args.get("handshakeTimeout")?;
        Ok(settings)
    }

    /// The options that name files, with the paths given, so a file error blames its option.
    pub(crate) fn files(&self) -> [(&'static str, Option<String>); 3] {
        let text = |p: &PathBuf| p.to_string_lossy().into_owned();
        [
            ("trustRoots", self.trust_roots.as_ref().map(text)),
            ("certificate", self.certificate.as_ref().map(text)),
            ("privateKey", self.private_key.as_ref().map(text)),
        ]
    }

    /// The rustls configuration these settings describe, for transports that run the TLS
    /// handshake themselves (QUIC): the trust roots (or the platform's), the verifier that
    /// reports a mismatching certificate's names, the client certificate and ALPN, with the
    /// `ring` provider, TLS 1.3 and 1.2.
    ///
    /// # Errors
    /// [`Error::Handshake`] naming a file that is missing or unusable, as [`layer`](Self::layer).
    pub fn rustls_config(&self) -> Result<RustlsClientConfig> {
        let provider = provider();
        let pin_only = !self.pins.is_empty() && self.trust_roots.is_none();
        let roots = match &self.trust_roots {
            Some(path) => roots::from_path(path, "trustRoots")?,
            None if pin_only => RootCertStore::empty(),
            None => roots::platform(),
        };
        let no_roots = roots.is_empty() && !pin_only;
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions::ALL)
            .map_err(|e| tls_error("no usable protocol versions", e))?;
        // webpki's verifier, reporting a mismatching certificate's names in words; behind
        // the pin check when there are pins.
        let verifier = ServerVerifier::new(roots.clone(), &provider);
        let installed: Option<Arc<dyn ServerCertVerifier>> = match verifier {
            _ if !self.pins.is_empty() => {
                let pinned = PinnedVerifier::new(self.pins.clone(), verifier, &provider);
                Some(pinned as Arc<dyn ServerCertVerifier>)
            }
            Some(verifier) => Some(verifier as Arc<dyn ServerCertVerifier>),
            None => None,
        };
        let builder = match &installed {
            Some(verifier) => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::clone(verifier)),
            None => builder.with_root_certificates(roots),
        };
        let mut config = match &self.certificate {
            Some(certificate) => {
                let key = self.private_key.as_ref().unwrap_or(certificate);
                let (chain, key) = pem::identity(certificate, key, &[], &provider)?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| tls_error("the client certificate cannot be used", e))?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = self.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
        Ok(RustlsClientConfig {
            config,
            verifier: installed.filter(|_| !no_roots),
        })
    }

    /// Builds the connector; the flag says the roots came out empty (no platform store).
    fn config(&self) -> Result<(TlsConnector, ServerName<'static>, bool)> {
        let RustlsClientConfig { config, verifier } = self.rustls_config()?;
        let server_name = ServerName::try_from(self.hostname.clone()).map_err(|e| {
            let host = self.hostname.clone();
            error::setup_caused(TlsProblem::InvalidHostName { host }, e)
        })?;
        Ok((
            TlsConnector::from(Arc::new(config)),
            server_name,
            verifier.is_none(),
        ))
    }
}

/// A rustls client configuration made from [`TlsClientSettings`] by
/// [`rustls_config`](TlsClientSettings::rustls_config).
#[derive(Debug)]
#[non_exhaustive]
pub struct RustlsClientConfig {
    /// The configuration, ready for a handshake.
    pub config: ClientConfig,
    /// The server-certificate verifier installed in `config` (wrap it to observe failures and
    /// install the wrapper with `config.dangerous().set_certificate_verifier`); `None` when
    /// there are no trust roots at all (no platform store): every handshake would fail, and
    /// a client should fail before trying, with [`no_platform_roots`](crate::no_platform_roots).
    pub verifier: Option<Arc<dyn ServerCertVerifier>>,
}

fn tls_error(message: &str, e: rustls::Error) -> Error {
    error::setup_caused(TlsProblem::Setup(message.to_owned()), e)
}

/// The description a client was written as, kept for its canonical text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Form {
    /// `ssl:HOST:PORT:...` (Twisted's `SSL4ClientEndpoint`).
    Ssl {
        cert_key: Option<String>,
        private_key: Option<String>,
        ca_certs_dir: Option<String>,
        hostname: Option<String>,
        pins: Vec<SpkiPin>,
    },
    /// `tls:HOST:PORT:...` (Twisted's `tls:` plugin).
    Tls {
        host: String,
        port: u16,
        timeout: Duration,
        bind: Option<String>,
        certificate: Option<String>,
        private_key: Option<String>,
        trust_roots: Option<String>,
        /// True when `endpoint=` named the inner endpoint (written back as a nested value).
        endpoint: bool,
        socket: TcpSocketSettings,
        pins: Vec<SpkiPin>,
    },
    /// `tls+INNER:...`.
    Layer(TlsClientSettings),
}

/// A TLS client over another client endpoint. `connect` returns after the handshake, with
/// the server verified (TWISTED-COMPAT divergences 4 and 7).
///
/// # Examples
/// ```
/// # fn main() -> Result<(), endpoint_core::Error> {
/// use endpoint_tls as _;
/// let registry = endpoint_core::Registry::global();
/// // Twisted's `tls:` client; verifies example.com against the platform's roots.
/// # if registry.client("tls:example.com:443").is_ok() {
/// assert_eq!(registry.client("tls:example.com:443")?.to_string(), "tls:example.com:443:timeout=30");
/// # }
/// # Ok(()) }
/// ```
pub struct TlsClientEndpoint {
    inner: Arc<dyn ClientEndpoint>,
    form: Form,
    connector: TlsConnector,
    server_name: ServerName<'static>,
    settings: TlsClientSettings,
    no_roots: bool,
    /// The host the inner endpoint reports ([`ClientEndpoint::authority`]), in ASCII: while
    /// `hostname` is this name, a connection's own [`Reached`] target is verified instead.
    inner_host: Option<String>,
}

impl TlsClientEndpoint {
    fn assemble(
        inner: Arc<dyn ClientEndpoint>,
        form: Form,
        settings: TlsClientSettings,
    ) -> Result<Self> {
        let (connector, server_name, no_roots) = settings.config()?;
        let inner_host = inner.authority().and_then(|a| ascii_host(a.host()).ok());
        Ok(TlsClientEndpoint {
            inner,
            form,
            connector,
            server_name,
            settings,
            no_roots,
            inner_host,
        })
    }

    /// The name to verify and send as SNI on one connection: `hostname`, unless it is only
    /// the inner endpoint's own authority and the connection reached a target of its own
    /// ([`Reached`], as an SRV pool's member records its target): then that target's name.
    /// An explicit `hostname=` other than the inner endpoint's authority always wins.
    fn name_for(&self, info: &ConnectionInfo) -> Result<(ServerName<'static>, String)> {
        let follows_inner = self.inner_host.as_deref() == Some(self.settings.hostname.as_str());
        match info.get::<Reached>().filter(|_| follows_inner) {
            Some(Reached(target)) if target.host() != self.settings.hostname => {
                let invalid = || {
                    let host = endpoint_core::printable(target.host()).into_owned();
                    error::setup(TlsProblem::InvalidHostName { host })
                };
                let host = ascii_host(target.host()).map_err(|_| invalid())?;
                let name = ServerName::try_from(host.clone()).map_err(|_| invalid())?;
                Ok((name, host))
            }
            _ => Ok((self.server_name.clone(), self.settings.hostname.clone())),
        }
    }

    /// The name verified in the server's certificate.
    pub fn hostname(&self) -> &str {
        &self.settings.hostname
    }

    /// Twisted's `ssl` client: tcp's positional rules, then `certKey`, `privateKey`,
    /// `caCertsDir`, `hostname`.
    pub(crate) fn from_ssl_args(mut args: Args) -> Result<Self> {
        let authority = args.host_and_port()?;
        let timeout = args.get("timeout")?;
        let bind_address = args
            .get_optional_with("bindAddress", parse_bind_address)?
            .flatten();
        let cert_key: Option<String> = args.get_optional("certKey")?;
        let private_key: Option<String> = args.get_optional("privateKey")?;
        let ca_certs_dir: Option<String> = args.get_optional("caCertsDir")?;
        let hostname: Option<String> = args.get_host_optional("hostname")?;
        let socket = TcpSocketSettings::from_args(&mut args)?;
        let pins = args
            .get_optional_with("pin", parse_pins)?
            .unwrap_or_default();
        args.finish()?;
        let tcp = inner_tcp(
            &args,
            authority.host(),
            authority.port(),
            timeout,
            bind_address,
        )
        .socket(socket);
        if private_key.is_some() && cert_key.is_none() {
            tracing::warn!("ssl: privateKey= without certKey= is ignored (as in Twisted)");
        }
        let private_key = private_key.filter(|_| cert_key.is_some());
        if let Some(dir) = &ca_certs_dir {
            // Twisted lists it as a directory; one PEM file is trustRoots= (tls:, tls+).
            if std::fs::metadata(dir).is_ok_and(|m| !m.is_dir()) {
                let reason = format!(
                    "names \"{dir}\", which is not a directory: caCertsDir= names a directory \
                     of .pem CA files (as in Twisted); put the file in one, or use tls: with \
                     trustRoots=, which also takes a single PEM file"
                );
                return Err(args.invalid("caCertsDir", args.position_of("caCertsDir"), reason));
            }
        }
        let verify = match &hostname {
            Some(name) => ascii_host(name)
                .map_err(|reason| args.invalid("hostname", args.position_of("hostname"), reason))?,
            None => ascii_host(authority.host())
                .map_err(|reason| args.invalid("host", args.position_of("host"), reason))?,
        };
        let mut settings = TlsClientSettings::new(verify);
        settings.trust_roots = ca_certs_dir.as_ref().map(PathBuf::from);
        settings.pins = pins.clone();
        settings.certificate = cert_key.as_ref().map(PathBuf::from);
        settings.private_key = private_key.as_ref().map(PathBuf::from);
        let files = [
            ("caCertsDir", ca_certs_dir.clone()),
            ("certKey", cert_key.clone()),
            ("privateKey", private_key.clone()),
        ];
        let form = Form::Ssl {
            cert_key,
            private_key,
            ca_certs_dir,
            hostname,
            pins,
        };
        Self::assemble(Arc::new(tcp), form, settings)
            .map_err(|e| error::blame_option(&args, &files, e))
    }

    /// Twisted's `tls` client: positionals host, port, timeout, bindAddress, certificate,
    /// privateKey, trustRoots, endpoint. An inner `endpoint=` is parsed by the registry that
    /// is parsing this description.
    pub(crate) fn from_tls_args(mut args: Args) -> Result<Self> {
        args.at_most_positionals(
            8,
            "host, port, timeout, bindAddress, certificate, privateKey, trustRoots, endpoint",
        )?;
        let host = args.param("host", 0)?;
        let host = args.required("host", host)?;
        let port: u16 = args.get_param("port", 1)?;
        let timeout = args.get_param("timeout", 2)?;
        let bind = args.param("bindAddress", 3)?;
        let certificate: Option<String> = args.get_param_optional("certificate", 4)?;
        let private_key: Option<String> = args.get_param_optional("privateKey", 5)?;
        let trust_roots: Option<String> = args.get_param_optional("trustRoots", 6)?;
        let endpoint = args.param("endpoint", 7)?;
        let pins = args
            .get_optional_with("pin", parse_pins)?
            .unwrap_or_default();
        let bind_address = match &bind {
            Some(v) => args.convert("bindAddress", v, parse_bind_address)?,
            None => None,
        };
        let host_text = args.host("host", &host)?;
        let ascii =
            ascii_host(&host_text).map_err(|reason| args.invalid("host", host.position, reason))?;
        let explicit_inner = match &endpoint {
            Some(e) => Some(args.registry().client(&e.text).map_err(|inner| {
                args.invalid(
                    "endpoint",
                    e.position,
                    format!("is not a usable client description: {inner}"),
                )
            })?),
            None => None,
        };
        let socket = TcpSocketSettings::from_args(&mut args)?;
        if explicit_inner.is_some() && !socket.is_default() {
            let reason = "applies to the TCP connection tls: makes itself; with endpoint= write \
                          socket options in the inner description"
                .to_owned();
            let at = args.input().len();
            return Err(args.invalid("endpoint", at, reason));
        }
        args.finish()?;
        let inner: Arc<dyn ClientEndpoint> = match explicit_inner {
            Some(inner) => inner,
            None => Arc::new(
                inner_tcp(&args, &ascii, port, timeout, bind_address).socket(socket.clone()),
            ),
        };
        if private_key.is_some() && certificate.is_none() {
            tracing::warn!("tls: privateKey= without certificate= is ignored (as in Twisted)");
        }
        let private_key = private_key.filter(|_| certificate.is_some());
        let mut settings = TlsClientSettings::new(ascii);
        settings.trust_roots = trust_roots.as_ref().map(PathBuf::from);
        settings.pins = pins.clone();
        settings.certificate = certificate.as_ref().map(PathBuf::from);
        settings.private_key = private_key.as_ref().map(PathBuf::from);
        let files = [
            ("trustRoots", trust_roots.clone()),
            ("certificate", certificate.clone()),
            ("privateKey", private_key.clone()),
        ];
        let form = Form::Tls {
            host: host_text,
            port,
            timeout,
            bind: bind_address.map(|b| {
                if b.port() == 0 {
                    b.ip().to_string()
                } else {
                    b.to_string()
                }
            }),
            certificate,
            private_key,
            trust_roots,
            endpoint: endpoint.is_some(),
            socket,
            pins,
        };
        Self::assemble(inner, form, settings).map_err(|e| error::blame_option(&args, &files, e))
    }
}

/// The tcp client the `ssl:` and `tls:` kinds connect with: its timeout and bind address,
/// and the egress policy of the registry that is parsing.
fn inner_tcp(
    args: &Args,
    host: &str,
    port: u16,
    timeout: Duration,
    bind_address: Option<std::net::SocketAddr>,
) -> TcpClientEndpoint {
    let mut tcp = TcpClientEndpoint::new(host, port).timeout(timeout);
    if let Some(b) = bind_address {
        tcp = tcp.bind_address(b);
    }
    if let Some(policy) = args.registry().egress() {
        tcp = tcp.egress(policy.clone());
    }
    tcp
}

/// The host to verify, in ASCII: IP literals as they are (brackets removed), names through
/// IDNA, as the TLS clients check `hostname=` and hosts. The host is first checked by
/// [`parse_host`](endpoint_core::description::parse_host), the one check of client hosts.
///
/// # Errors
/// A reason (for [`Args::convert`]) when `host` is empty or neither a DNS name nor an IP
/// (naming the refused character's byte), or a name no certificate can be issued for.
///
/// # Examples
/// ```
/// assert_eq!(endpoint_tls::ascii_host("bücher.example").unwrap(), "xn--bcher-kva.example");
/// assert_eq!(endpoint_tls::ascii_host("[::1]").unwrap(), "::1");
/// assert!(endpoint_tls::ascii_host("a b").is_err());
/// ```
pub fn ascii_host(host: &str) -> Result<String, String> {
    let bare = endpoint_core::description::parse_host(host).map_err(|e| e.reason().to_owned())?;
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return Ok(bare);
    }
    match idna::domain_to_ascii(&bare) {
        Ok(ascii) if ServerName::try_from(ascii.clone()).is_ok() => Ok(ascii),
        _ => Err(format!(
            "is not a DNS name or an IP address: \"{host}\" (a name has letters, digits, \
             hyphens and dots only)"
        )),
    }
}

/// Parses an `alpn=` value as the TLS kinds do: `h2,http/1.1` → `["h2", "http/1.1"]`.
///
/// # Errors
/// A reason (for [`Args::convert`]) when a name is empty or longer than 255 bytes.
///
/// # Examples
/// ```
/// assert_eq!(endpoint_tls::parse_alpn("h2,http/1.1").unwrap(), ["h2", "http/1.1"]);
/// assert!(endpoint_tls::parse_alpn("h2,,x").is_err());
/// ```
pub fn parse_alpn(text: &str) -> Result<Vec<String>, String> {
    let protocols: Vec<String> = text.split(',').map(str::to_owned).collect();
    if protocols.iter().any(|p| p.is_empty() || p.len() > 255) {
        return Err(format!(
            "is not a comma-separated list of protocol names: \"{text}\""
        ));
    }
    Ok(protocols)
}

impl ClientEndpoint for TlsClientEndpoint {
    /// Connects with the inner endpoint, then completes the handshake within
    /// `handshakeTimeout`, verifying the server.
    ///
    /// # Cancel safety
    /// Dropping the future closes the inner connection, mid-handshake or not.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(async move {
            if self.no_roots {
                return Err(roots::no_platform_roots());
            }
            let (io, mut info) = self.inner.connect().await?.into_parts();
            let (server_name, hostname) = self.name_for(&info)?;
            let handshake = self.connector.connect(server_name.clone(), io);
            let limit = self.settings.handshake_timeout;
            let stream = tokio::time::timeout(limit, handshake)
                .await
                .map_err(|_| Error::Timeout {
                    action: "complete the TLS handshake with",
                    endpoint: self.to_string(),
                    after: limit,
                })?
                .map_err(|e| error::handshake(e, self, Some(&hostname), &self.settings.alpn))?;
            let sni = match &server_name {
                ServerName::DnsName(name) => Some(name.as_ref().to_owned()),
                _ => None,
            };
            let state = stream.get_ref().1;
            info.insert(crate::info::secured(
                state.alpn_protocol(),
                state.protocol_version(),
            ));
            info.insert(TlsInfo::from_state(state, sni));
            info.stack.push("tls");
            tracing::debug!(endpoint = %self, "tls handshake done");
            Ok(Connection::new(stream, info))
        })
    }

    /// The name this endpoint verifies, at the port the inner endpoint reaches (443 when the
    /// inner endpoint has no port, as over a unix socket).
    fn authority(&self) -> Option<Authority> {
        let port = self.inner.authority().map_or(443, |a| a.port());
        Some(Authority::new(self.settings.hostname.as_str(), port))
    }

    fn description(&self) -> Description {
        match &self.form {
            Form::Ssl {
                cert_key,
                private_key,
                ca_certs_dir,
                hostname,
                pins,
            } => self
                .inner
                .description()
                .renamed("ssl")
                .option_some("certKey", cert_key.as_ref())
                .option_some("privateKey", private_key.as_ref())
                .option_some("caCertsDir", ca_certs_dir.as_ref())
                .option_some("hostname", hostname.as_ref())
                .option_some("pin", pin::join(pins)),
            Form::Tls {
                host,
                port,
                timeout,
                bind,
                certificate,
                private_key,
                trust_roots,
                endpoint,
                socket,
                pins,
            } => {
                let text = Description::new("tls")
                    .arg(host)
                    .arg(port)
                    .seconds("timeout", *timeout)
                    .option_some("bindAddress", bind.as_ref())
                    .option_some("certificate", certificate.as_ref())
                    .option_some("privateKey", private_key.as_ref())
                    .option_some("trustRoots", trust_roots.as_ref());
                let text = if *endpoint {
                    text.nested("endpoint", self.inner.description())
                } else {
                    text
                };
                socket.write(text.option_some("pin", pin::join(pins)))
            }
            Form::Layer(s) => Description::layer("tls", self.inner.description())
                .option("hostname", &s.hostname)
                .option_some("trustRoots", s.trust_roots.as_ref().map(|p| p.display()))
                .option_some("pin", pin::join(&s.pins))
                .option_some("certificate", s.certificate.as_ref().map(|p| p.display()))
                .option_some("privateKey", s.private_key.as_ref().map(|p| p.display()))
                .option_some("alpn", (!s.alpn.is_empty()).then(|| s.alpn.join(",")))
                .seconds("handshakeTimeout", s.handshake_timeout),
        }
    }
}

impl fmt::Display for TlsClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl fmt::Debug for TlsClientEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClientEndpoint")
            .field("description", &self.to_string())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl PartialEq for TlsClientEndpoint {
    /// Equal when their description values are (secrets and inner endpoints included).
    fn eq(&self, other: &Self) -> bool {
        self.description() == other.description()
    }
}
