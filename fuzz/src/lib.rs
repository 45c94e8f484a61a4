//! What the fuzz targets share: the registry they parse descriptions with, the certificate
//! fixtures it reads, and the checks made on every error.

use std::path::{Component, Path};
use std::sync::{Arc, OnceLock};

use endpoints::core::description::Args;
use endpoints::core::{Builder, Kind, OptionType};
use endpoints::{ClientEndpoint, Error, Registry, Result, ServerEndpoint, Side};
// Linked for its `throttle` kinds: the registry holds every kind a program could have.
use endpoint_throttle as _;

/// The registry the description targets parse with: every linked kind, shorthand and URL form
/// (the facade's and the example plugin's), with one change. The kinds that read files while
/// parsing (`ssl`, `tls`: certificates, keys, CA directories) refuse paths that leave the
/// fixture directory, which is the working directory. Without that, the fuzzer finds
/// `privateKey=/dev/zero` (reads forever) and `tls:/` (scans the whole disk) and spends its
/// time there; inside the fixtures every file parser is still reached.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        enter_fixtures();
        let mut registry = Registry::global().clone();
        for kind in Registry::global().kinds() {
            let reads_files = kind.options.iter().any(|o| o.ty == OptionType::Path)
                && ["ssl", "tls"].contains(&kind.name);
            if reads_files {
                registry.register(kind.with_builder(match kind.builder {
                    Builder::Server(_) => Builder::Server(guard_server),
                    Builder::Client(_) => Builder::Client(guard_client),
                    Builder::ServerLayer(_) => Builder::ServerLayer(guard_server_layer),
                    Builder::ClientLayer(_) => Builder::ClientLayer(guard_client_layer),
                }));
            }
        }
        registry
    })
}

/// Parses `description` on `side` with [`registry`], returning its canonical text.
pub fn parse(side: Side, description: &str) -> Result<String> {
    Ok(match side {
        Side::Server => registry().server(description)?.to_string(),
        Side::Client => registry().client(description)?.to_string(),
    })
}

/// Formats an error every way a program might, and checks what its fields promise: the byte
/// position is inside the input it names, at a character boundary (the caret goes there).
pub fn check_error(error: &Error) {
    let _ = error.to_string();
    let _ = format!("{error:?}");
    let _ = error.caret();
    let _ = error.io_kind();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let _ = cause.to_string();
        source = cause.source();
    }
    if let (Some(input), Some(position)) = (error.input(), error.position()) {
        assert!(
            position <= input.len() && input.is_char_boundary(position),
            "error position {position} is not a character boundary of {input:?}: {error}"
        );
    }
}

/// Makes the certificate fixtures once and makes their directory the working directory, so
/// that relative paths in descriptions (`ssl:443` reads `server.pem`) name them. The files
/// are `endpoint_testkit::TestPki`'s (server.pem, client.pem, ca.pem, cas/, sni/, ...) plus
/// the rest of those the Twisted sample names (its `@CERTS@` is `.` in the seeds).
fn enter_fixtures() {
    // In a static for the life of the process (the fuzzer ends it with exit()), where the
    // leak checker sees it as reachable.
    static FIXTURES: OnceLock<endpoint_testkit::TestPki> = OnceLock::new();
    let pki = FIXTURES.get_or_init(endpoint_testkit::TestPki::new);
    let dir = pki.dir().to_owned();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(path, text);
    };
    write("cert-nonl.pem", read("server-cert.pem").trim_end());
    write("key-nonl.pem", read("server-key.pem").trim_end());
    write("chain.pem", &(read("ca.pem") + &read("other-ca.pem")));
    write("empty.pem", "");
    write(
        "dh.pem",
        "-----BEGIN DH PARAMETERS-----\nMAgCAQACAQI=\n-----END DH PARAMETERS-----\n",
    );
    write("cas-bad/ca.pem", &read("ca.pem"));
    write("cas-bad/garbage.pem", "-----BEGIN CERTIFICATE-----\n!!!!\n");
    write("sni/orphan-key.pem", &read("server-key.pem"));
    let client = read("client.pem");
    let key_at = client
        .find("-----BEGIN PRIVATE KEY")
        .unwrap_or(client.len());
    write("client-cert.pem", &client[..key_at]);
    write("client-key.pem", &client[key_at..]);
    std::env::set_current_dir(&dir).expect("the fixture directory is usable");
}

/// True for a path that stays inside the working directory: relative, no `..`.
fn inside_fixtures(path: &str) -> bool {
    let path = Path::new(path);
    !path.is_absolute()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Refuses `args` if a path option of its kind names a file outside the fixtures.
fn check_paths(kind: &Kind, args: &mut Args) -> Result<()> {
    for spec in kind.options.iter().filter(|o| o.ty == OptionType::Path) {
        let positional = kind
            .positional
            .iter()
            .position(|p| *p == spec.name)
            .and_then(|i| args.positionals().get(i))
            .map(|v| v.text.clone());
        let keyword = if args.has_keyword(spec.name) {
            args.keyword(spec.name).map(|v| v.text)
        } else {
            None
        };
        if let Some(outside) = positional
            .into_iter()
            .chain(keyword)
            .find(|p| !inside_fixtures(p))
        {
            return Err(args.invalid(
                spec.name,
                0,
                format!("{outside:?} is outside the fuzzing fixtures"),
            ));
        }
    }
    Ok(())
}

/// The real kind behind a guarded one.
fn original(args: &Args, side: Side, layer: bool) -> Kind {
    *Registry::global()
        .find(args.kind(), side, layer)
        .expect("a guarded kind is registered globally")
}

fn guard_server(mut args: Args) -> Result<Arc<dyn ServerEndpoint>> {
    let kind = original(&args, Side::Server, false);
    check_paths(&kind, &mut args)?;
    let Builder::Server(parse) = kind.builder else {
        unreachable!("found as a server kind")
    };
    parse(args)
}

fn guard_client(mut args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    let kind = original(&args, Side::Client, false);
    check_paths(&kind, &mut args)?;
    let Builder::Client(parse) = kind.builder else {
        unreachable!("found as a client kind")
    };
    parse(args)
}

fn guard_server_layer(
    mut args: Args,
    inner: Arc<dyn ServerEndpoint>,
) -> Result<Arc<dyn ServerEndpoint>> {
    let kind = original(&args, Side::Server, true);
    check_paths(&kind, &mut args)?;
    let Builder::ServerLayer(parse) = kind.builder else {
        unreachable!("found as a server layer")
    };
    parse(args, inner)
}

fn guard_client_layer(
    mut args: Args,
    inner: Arc<dyn ClientEndpoint>,
) -> Result<Arc<dyn ClientEndpoint>> {
    let kind = original(&args, Side::Client, true);
    check_paths(&kind, &mut args)?;
    let Builder::ClientLayer(parse) = kind.builder else {
        unreachable!("found as a client layer")
    };
    parse(args, inner)
}

/// A reader that hands out `data` in pieces of the given sizes (a zero counts as one; after
/// the last size the rest comes at once), then end of stream: how the targets of the byte
/// readers (PROXY headers, ClientHellos) check that the outcome does not depend on how the
/// bytes arrive.
pub struct Pieces<'a> {
    data: &'a [u8],
    pieces: &'a [usize],
}

impl<'a> Pieces<'a> {
    /// `data`, arriving in pieces of `pieces` bytes.
    pub fn new(data: &'a [u8], pieces: &'a [usize]) -> Self {
        Pieces { data, pieces }
    }

    /// What has not been read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.data
    }
}

impl tokio::io::AsyncRead for Pieces<'_> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let size = match self.pieces.split_first() {
            Some((&size, rest)) => {
                self.pieces = rest;
                size.max(1)
            }
            None => usize::MAX,
        };
        let n = size.min(buf.remaining()).min(self.data.len());
        let (now, later) = self.data.split_at(n);
        buf.put_slice(now);
        self.data = later;
        std::task::Poll::Ready(Ok(()))
    }
}

/// The `sni` layer's ClientHello reader on `input` arriving in `pieces`.
///
/// # Errors
/// The layer's message for input that is not a usable ClientHello.
pub fn read_hello(
    input: &[u8],
    max: usize,
    pieces: &[usize],
) -> std::result::Result<(endpoints::core::TlsHello, Vec<u8>), String> {
    endpoint_sni::fuzzing::read_hello(&mut Pieces::new(input, pieces), max)
}

/// The `haproxy` layer's PROXY header reader on `input` arriving in `pieces`; the outcome's
/// bytes are all those after the header, read ahead by the layer or not.
///
/// # Errors
/// The layer's message for a missing, refused, malformed or truncated header.
pub fn read_header(
    input: &[u8],
    versions: endpoint_haproxy::Versions,
    pieces: &[usize],
) -> std::result::Result<endpoint_haproxy::fuzzing::Outcome, String> {
    let mut io = Pieces::new(input, pieces);
    let (version, addresses, mut after) =
        endpoint_haproxy::fuzzing::read_header(&mut io, versions)?;
    after.extend_from_slice(io.rest());
    Ok((version, addresses, after))
}
