//! TLS server endpoints: Twisted's `ssl` and `tls` (PEM directory) kinds and the `tls+` layer.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::TlsProblem;
use endpoint_core::description::{Args, Description, FromOption};
use endpoint_core::{BoxFuture, Connection, Error, Listener, Result, ServerEndpoint, Upgrade};
use endpoint_tcp::{TcpServerEndpoint, TcpSocketSettings};
use rustls::server::WebPkiClientVerifier;
use rustls::{ServerConfig, SupportedProtocolVersion};
use tokio_rustls::TlsAcceptor;

use crate::client::parse_alpn;
use crate::info::TlsInfo;
use crate::reload::ReloadingCertResolver;
use crate::sni::PemDirectory;
use crate::subjects::{admitted, parse_client_subjects, ClientSubject, SubjectVerifier};
use crate::{default_handshake_timeout, error, provider, roots, versions};

/// A TLS server's identity and policy. Build an endpoint over any server endpoint with
/// [`TlsServerSettings::layer`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsServerSettings {
    /// The certificate chain (PEM; may also hold the key).
    pub certificate: PathBuf,
    /// The private key (default: in `certificate`).
    pub private_key: Option<PathBuf>,
    /// More chain certificates to send after the certificate's own.
    pub extra_chain: Option<PathBuf>,
    /// When set, clients must present a certificate issued by these CAs (mutual TLS).
    pub client_ca: Option<PathBuf>,
    /// With `client_ca`: when not empty, a client's certificate must also carry one of these
    /// identities (`clientSubjects=`), so a server admits chosen services, not every holder
    /// of a certificate from the CA. The one it matched is in [`TlsInfo::client_subject`].
    pub client_subjects: Vec<ClientSubject>,
    /// ALPN protocols the server accepts, in preference order.
    pub alpn: Vec<String>,
    /// How long each connection's handshake may take.
    pub handshake_timeout: Duration,
}

impl TlsServerSettings {
    /// Serves `certificate` (which may also hold the key).
    pub fn new(certificate: impl Into<PathBuf>) -> Self {
        TlsServerSettings {
            certificate: certificate.into(),
            private_key: None,
            extra_chain: None,
            client_ca: None,
            client_subjects: Vec::new(),
            alpn: Vec::new(),
            handshake_timeout: default_handshake_timeout(),
        }
    }

    /// Loads the files and puts the TLS server layer over `inner` (the tower-style
    /// `Layer::layer`; fallible because it reads the certificate and key).
    ///
    /// # Errors
    /// [`Error::Handshake`] naming the file that is missing, holds no certificate or key, or whose
    /// key does not match the certificate.
    pub fn layer(self, inner: Arc<dyn ServerEndpoint>) -> Result<TlsServerEndpoint> {
        let (acceptor, resolver) = self.acceptor(versions::ALL)?;
        Ok(TlsServerEndpoint {
            inner,
            form: Form::Layer(self.clone()),
            acceptor,
            handshake_timeout: self.handshake_timeout,
            client_subjects: self.client_subjects.clone().into(),
            directory: None,
            resolver: Some(resolver),
        })
    }

    /// The old name of [`layer`](Self::layer).
    ///
    /// # Errors
    /// As [`layer`](Self::layer).
    #[deprecated(since = "0.1.0", note = "renamed layer")]
    pub fn build(self, inner: Arc<dyn ServerEndpoint>) -> Result<TlsServerEndpoint> {
        self.layer(inner)
    }

    /// Reads the `tls+` server layer's options: `certificate`, `privateKey`,
    /// `extraCertChain`, `clientCA`, `clientSubjects`, `alpn`, `handshakeTimeout` (the
    /// parser then finishes the arguments and calls [`layer`](Self::layer)).
    pub(crate) fn from_args(args: &mut Args) -> Result<Self> {
        let certificate: String = args.get("certificate")?;
        let mut settings = TlsServerSettings::new(certificate);
        settings.private_key = args.get_optional("privateKey")?;
        settings.extra_chain = args.get_optional("extraCertChain")?;
        settings.client_ca = args.get_optional("clientCA")?;
        settings.client_subjects = args
            .get_optional_with("clientSubjects", parse_client_subjects)?
            .unwrap_or_default();
        if !settings.client_subjects.is_empty() && settings.client_ca.is_none() {
            let reason = "needs clientCA=: the subjects are checked in client certificates \
                          that CA issued"
                .to_owned();
            return Err(args.invalid("clientSubjects", args.position_of("clientSubjects"), reason));
        }
        settings.alpn = args
            .get_optional_with("alpn", parse_alpn)?
            .unwrap_or_default();
        settings.handshake_timeout = args.get("handshakeTimeout")?;
        Ok(settings)
    }

    /// The options that name files, with the paths given, so a file error blames its option.
    pub(crate) fn files(&self) -> [(&'static str, Option<String>); 4] {
        let text = |p: &PathBuf| p.to_string_lossy().into_owned();
        [
            ("certificate", Some(text(&self.certificate))),
            ("privateKey", self.private_key.as_ref().map(text)),
            ("extraCertChain", self.extra_chain.as_ref().map(text)),
            ("clientCA", self.client_ca.as_ref().map(text)),
        ]
    }

    /// The rustls configuration these settings describe (TLS 1.3 and 1.2, `ring`), for
    /// transports that run the TLS handshake themselves (QUIC). The files are read now, and
    /// served through a [`ReloadingCertResolver`]: replaced files are picked up on the next
    /// handshake, as on every TLS server here.
    ///
    /// # Errors
    /// [`Error::Handshake`] naming a file that is missing or unusable, as [`layer`](Self::layer).
    pub fn rustls_config(&self) -> Result<ServerConfig> {
        self.config(versions::ALL).map(|(config, _)| config)
    }

    fn acceptor(
        &self,
        versions: &'static [&'static SupportedProtocolVersion],
    ) -> Result<(TlsAcceptor, Arc<ReloadingCertResolver>)> {
        let (config, resolver) = self.config(versions)?;
        Ok((TlsAcceptor::from(Arc::new(config)), resolver))
    }

    fn config(
        &self,
        versions: &'static [&'static SupportedProtocolVersion],
    ) -> Result<(ServerConfig, Arc<ReloadingCertResolver>)> {
        let provider = provider();
        let resolver = ReloadingCertResolver::load(
            &self.certificate,
            self.private_key.as_deref(),
            self.extra_chain.as_deref(),
        )?;
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(|e| tls_error("no usable protocol versions", e))?;
        let builder = match &self.client_ca {
            Some(path) => {
                let roots = roots::from_path(path, "clientCA")?;
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .map_err(|e| {
                            let what =
                                format!("clientCA \"{}\" cannot verify clients", path.display());
                            error::setup_caused(TlsProblem::Setup(what), e)
                        })?;
                if self.client_subjects.is_empty() {
                    builder.with_client_cert_verifier(verifier)
                } else {
                    builder.with_client_cert_verifier(SubjectVerifier::new(
                        verifier,
                        self.client_subjects.clone(),
                    ))
                }
            }
            None if !self.client_subjects.is_empty() => {
                let what = "clientSubjects needs clientCA: the subjects are checked in client \
                            certificates that CA issued";
                return Err(error::setup(TlsProblem::Setup(what.to_owned())));
            }
            None => builder.with_no_client_auth(),
        };
        // Served through a resolver that renews itself when the files are replaced.
        let mut config = builder.with_cert_resolver(resolver.clone());
        config.alpn_protocols = self.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
        Ok((config, resolver))
    }
}

fn tls_error(message: &str, e: rustls::Error) -> Error {
    error::setup_caused(TlsProblem::Setup(message.to_owned()), e)
}

/// The description a server was written as, kept for its canonical text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Form {
    Ssl {
        port: u16,
        private_key: String,
        cert_key: String,
        sslmethod: Option<String>,
        interface: String,
        backlog: u32,
        extra_chain: Option<String>,
        dh_parameters: Option<String>,
        handshake_timeout: Duration,
        socket: TcpSocketSettings,
    },
    Directory {
        path: String,
        port: u16,
        backlog: u32,
        interface: String,
        handshake_timeout: Duration,
        socket: TcpSocketSettings,
    },
    Layer(TlsServerSettings),
}

/// A TLS server over another server endpoint. Each accepted connection's handshake runs in
/// its own task under `handshakeTimeout`; a slow or failed handshake is logged and dropped and
/// never delays other clients.
///
/// Its certificate renews itself: replaced files are served from the next handshake (looked
/// at at most once a second, or at once with [`reload_certificates`](crate::reload_certificates)),
/// and unusable new files keep the old certificate.
pub struct TlsServerEndpoint {
    inner: Arc<dyn ServerEndpoint>,
    form: Form,
    acceptor: TlsAcceptor,
    handshake_timeout: Duration,
    /// `clientSubjects=`: the identity each client was admitted as goes in its `TlsInfo`.
    client_subjects: Arc<[ClientSubject]>,
    /// The `tls:` PEM directory, checked again at bind.
    directory: Option<Arc<PemDirectory>>,
    /// The one certificate of `ssl:` and `tls+`, re-read at bind when its files changed.
    resolver: Option<Arc<ReloadingCertResolver>>,
}

impl TlsServerEndpoint {
    /// Twisted's `ssl` server: positionals port, privateKey, certKey, sslmethod, interface,
    /// backlog, extraCertChain, dhParameters.
    pub(crate) fn from_ssl_args(mut args: Args) -> Result<Self> {
        args.at_most_positionals(
            8,
            "port, privateKey, certKey, sslmethod, interface, backlog, extraCertChain, dhParameters",
        )?;
        let port = args.param("port", 0)?;
        let private_key: String = args.get_param("privateKey", 1)?;
        let cert_key = args
            .get_param_optional("certKey", 2)?
            .unwrap_or_else(|| private_key.clone());
        let sslmethod = args.param("sslmethod", 3)?;
        let interface: String = args.get_param("interface", 4)?;
        let backlog = args.param("backlog", 5)?;
        let extra_chain: Option<String> = args.get_param_optional("extraCertChain", 6)?;
        let dh_parameters: Option<String> = args.get_param_optional("dhParameters", 7)?;
        let handshake_timeout = args.get("handshakeTimeout")?;
        let socket = TcpSocketSettings::from_args(&mut args)?;
        // Twisted's order of work: the method, the files, then the numbers.
        let versions = match &sslmethod {
            Some(m) => args.convert("sslmethod", m, versions::from_method)?,
            None => versions::ALL,
        };
        let mut settings = TlsServerSettings::new(&cert_key);
        settings.private_key = Some(PathBuf::from(&private_key));
        settings.extra_chain = extra_chain.as_ref().map(PathBuf::from);
        settings.handshake_timeout = handshake_timeout;
        let files = [
            ("privateKey", Some(private_key.clone())),
            ("certKey", Some(cert_key.clone())),
            ("extraCertChain", extra_chain.clone()),
        ];
        let (acceptor, resolver) = settings
            .acceptor(versions)
            .map_err(|e| error::blame_option(&args, &files, e))?;
        if let Some(dh) = &dh_parameters {
            // Checked to exist (Twisted loads it); otherwise unused: rustls uses ECDHE.
            if let Err(e) = std::fs::metadata(dh) {
                let reason = format!("names \"{dh}\", which cannot be read ({e})");
                return Err(args.invalid("dhParameters", args.position_of("dhParameters"), reason));
            }
        }
        // Read after the files, as Twisted does.
        let port: u16 = match port {
            Some(v) => args.convert("port", &v, u16::from_option)?,
            None => args.get("port")?,
        };
        let backlog: u32 = match backlog {
            Some(v) => args.convert("backlog", &v, u32::from_option)?,
            None => args.get("backlog")?,
        };
        args.finish()?;
        let inner = TcpServerEndpoint::new(port)
            .interface(interface.clone())
            .backlog(backlog)
            .socket(socket.clone());
        Ok(TlsServerEndpoint {
            inner: Arc::new(inner),
            form: Form::Ssl {
                port,
                private_key,
                cert_key,
                sslmethod: sslmethod.map(|v| v.text),
                interface,
                backlog,
                extra_chain,
                dh_parameters,
                handshake_timeout,
                socket,
            },
            acceptor,
            handshake_timeout,
            client_subjects: Arc::new([]),
            directory: None,
            resolver: Some(resolver),
        })
    }

    /// Twisted's `tls` server: a directory of PEM files served by SNI, on `tcp6`.
    pub(crate) fn from_directory_args(mut args: Args) -> Result<Self> {
        args.at_most_positionals(4, "path, port, backlog, interface")?;
        let path: String = args.get_param("path", 0)?;
        let port = args.get_param("port", 1)?;
        let backlog = args.get_param("backlog", 2)?;
        let interface: String = args.get_param("interface", 3)?;
        let handshake_timeout = args.get("handshakeTimeout")?;
        let socket = TcpSocketSettings::from_args(&mut args)?;
        args.finish()?;
        let directory = if path.is_empty() {
            ".".to_owned()
        } else {
            path.clone()
        };
        if let Err(e) = std::fs::read_dir(&directory) {
            let reason = format!("names \"{directory}\", which cannot be read ({e})");
            return Err(args.invalid("path", args.position_of("path"), reason));
        }
        let resolver = PemDirectory::new(PathBuf::from(&directory), provider());
        if !resolver.has_certificate() {
            let reason = format!(
                "names \"{directory}\", which holds no usable certificate: no .pem file there \
                 has a private key and the certificate it signs"
            );
            return Err(args.invalid("path", args.position_of("path"), reason));
        }
        tracing::debug!(directory = %path, domains = ?resolver.domains(), "loaded certificates");
        let config = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(versions::ALL)
            .map_err(|e| tls_error("no usable protocol versions", e))?
            .with_no_client_auth()
            .with_cert_resolver(resolver.clone());
        let inner = TcpServerEndpoint::new_v6(port)
            .backlog(backlog)
            .interface(interface.clone())
            .socket(socket.clone());
        Ok(TlsServerEndpoint {
            inner: Arc::new(inner),
            form: Form::Directory {
                path,
                port,
                backlog,
                interface,
                handshake_timeout,
                socket,
            },
            acceptor: TlsAcceptor::from(Arc::new(config)),
            handshake_timeout,
            client_subjects: Arc::new([]),
            directory: Some(resolver),
            resolver: None,
        })
    }
}

/// The per-connection server handshake the listener runs.
struct Handshake {
    acceptor: TlsAcceptor,
    timeout: Duration,
    client_subjects: Arc<[ClientSubject]>,
}

impl Upgrade for Handshake {
    fn name(&self) -> &'static str {
        "tls"
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }

    fn upgrade(&self, connection: Connection) -> BoxFuture<'static, Result<Connection>> {
        let acceptor = self.acceptor.clone();
        let client_subjects = self.client_subjects.clone();
        Box::pin(async move {
            let (io, mut info) = connection.into_parts();
            let peer = info.peer.to_string();
            let stream = acceptor.accept(io).await.map_err(|e| {
                let alpn: Vec<String> = acceptor
                    .config()
                    .alpn_protocols
                    .iter()
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect();
                error::handshake(e, &peer, None, &alpn)
            })?;
            let connection = stream.get_ref().1;
            let sni = connection.server_name().map(str::to_owned);
            let mut secured =
                crate::info::secured(connection.alpn_protocol(), connection.protocol_version());
            if let Some(name) = &sni {
                secured = secured.with_server_name(name.clone());
            }
            info.insert(secured);
            let mut tls = TlsInfo::from_state(connection, sni);
            if !client_subjects.is_empty() {
                // The verifier admitted it for one of them; which one is for the application.
                tls.client_subject = tls
                    .peer_certificates
                    .first()
                    .and_then(|leaf| admitted(leaf, &client_subjects));
            }
            info.insert(tls);
            info.stack.push("tls");
            Ok(Connection::new(stream, info))
        })
    }
}

impl ServerEndpoint for TlsServerEndpoint {
    /// Binds the inner endpoint; every accepted connection is then upgraded in its own task.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes closes anything the inner bind made.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>> {
        Box::pin(async move {
            if let Some(directory) = &self.directory {
                // The files may have changed since parsing: never listen with nothing to serve.
                // The scan reads the disk, so it runs as a blocking task.
                let scanning = directory.clone();
                let usable = tokio::task::spawn_blocking(move || scanning.rescan_now())
                    .await
                    .unwrap_or(false);
                if !usable {
                    let problem = TlsProblem::NoCertificate {
                        path: directory.path().to_owned(),
                        role: "tls certificate directory".into(),
                    };
                    return Err(problem.into_error(Some(self.to_string()), None));
                }
            }
            if let Some(resolver) = &self.resolver {
                // Activation reads the files again when they changed since parsing.
                resolver.reload_if_stale();
            }
            let handshake = Handshake {
                acceptor: self.acceptor.clone(),
                timeout: self.handshake_timeout,
                client_subjects: self.client_subjects.clone(),
            };
            Ok(self
                .inner
                .bind()
                .await?
                .with_upgrade(Arc::new(handshake))
                .with_description(self))
        })
    }

    fn description(&self) -> Description {
        let timeout = |t: Duration| {
            (t != default_handshake_timeout())
                .then(|| endpoint_core::description::format_seconds(t))
        };
        match &self.form {
            Form::Ssl {
                port,
                private_key,
                cert_key,
                sslmethod,
                interface,
                backlog,
                extra_chain,
                dh_parameters,
                handshake_timeout,
                socket,
            } => socket.write(
                Description::new("ssl")
                    .arg(port)
                    .option("privateKey", private_key)
                    .option("certKey", cert_key)
                    .option_some("sslmethod", sslmethod.as_ref())
                    .option("interface", interface)
                    .option("backlog", backlog)
                    .option_some("extraCertChain", extra_chain.as_ref())
                    .option_some("dhParameters", dh_parameters.as_ref())
                    .option_some("handshakeTimeout", timeout(*handshake_timeout)),
            ),
            Form::Directory {
                path,
                port,
                backlog,
                interface,
                handshake_timeout,
                socket,
            } => socket.write(
                Description::new("tls")
                    .arg(path)
                    .option("port", port)
                    .option("backlog", backlog)
                    .option("interface", interface)
                    .option_some("handshakeTimeout", timeout(*handshake_timeout)),
            ),
            Form::Layer(s) => Description::layer("tls", self.inner.description())
                .option("certificate", s.certificate.display())
                .option_some("privateKey", s.private_key.as_ref().map(|p| p.display()))
                .option_some(
                    "extraCertChain",
                    s.extra_chain.as_ref().map(|p| p.display()),
                )
                .option_some("clientCA", s.client_ca.as_ref().map(|p| p.display()))
                .option_some(
                    "clientSubjects",
                    (!s.client_subjects.is_empty()).then(|| {
                        let subjects: Vec<String> =
                            s.client_subjects.iter().map(ToString::to_string).collect();
                        subjects.join(",")
                    }),
                )
                .option_some("alpn", (!s.alpn.is_empty()).then(|| s.alpn.join(",")))
                .seconds("handshakeTimeout", s.handshake_timeout),
        }
    }
}

impl fmt::Display for TlsServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl fmt::Debug for TlsServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsServerEndpoint")
            .field("description", &self.to_string())
            .finish_non_exhaustive()
    }
}

impl PartialEq for TlsServerEndpoint {
    /// Equal when their description values are (secrets and inner endpoints included).
    fn eq(&self, other: &Self) -> bool {
        self.description() == other.description()
    }
}
