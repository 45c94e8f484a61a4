//! The registry on its own: run-time kinds, layer chains, keyword assignment, URL forms and
//! errors. The kinds here are small test kinds that only record what they were given.

use std::fmt;
use std::sync::Arc;

use endpoint_core::description::{Args, Description};
use endpoint_core::{
    BoxFuture, ClientEndpoint, Connection, Error, Kind, OptionSpec, OptionType, Registry, Result,
    Side, UrlForm,
};

/// A client endpoint that only remembers its description.
#[derive(Debug)]
struct Recorded(Description);

impl fmt::Display for Recorded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl ClientEndpoint for Recorded {
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(async { Err(Error::other("test kinds do not connect")) })
    }

    fn description(&self) -> Description {
        self.0.clone()
    }
}

static BASE_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new("path", OptionType::Path, "where"),
    OptionSpec::new("timeout", OptionType::Seconds, "how long").default("30"),
];

static LAYER_OPTIONS: &[OptionSpec] = &[
    OptionSpec::new("hostname", OptionType::Text, "name"),
    OptionSpec::new("timeout", OptionType::Seconds, "handshake").default("10"),
];

fn base(mut args: Args) -> Result<Arc<dyn ClientEndpoint>> {
    let path: String = args.get_param("path", 0)?;
    let timeout = args.get("timeout")?;
    args.finish()?;
    let text = Description::new("pipe")
        .arg(&path)
        .seconds("timeout", timeout);
    Ok(Arc::new(Recorded(text)))
}

fn layer(mut args: Args, inner: Arc<dyn ClientEndpoint>) -> Result<Arc<dyn ClientEndpoint>> {
    let hostname: Option<String> = args.get_optional("hostname")?;
    let timeout = args.get("timeout")?;
    args.finish()?;
    let text = Description::layer("wrap", inner.description())
        .option_some("hostname", hostname)
        .seconds("timeout", timeout);
    Ok(Arc::new(Recorded(text)))
}

fn outer(mut args: Args, inner: Arc<dyn ClientEndpoint>) -> Result<Arc<dyn ClientEndpoint>> {
    let timeout = args.keyword("timeout").map(|v| v.text);
    let hostname = args.keyword("hostname").map(|v| v.text);
    args.finish()?;
    let text = Description::layer("outer", inner.description())
        .option_some("hostname", hostname)
        .option_some("timeout", timeout);
    Ok(Arc::new(Recorded(text)))
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register(Kind::client("pipe", "test base kind", BASE_OPTIONS, base).positional(&["path"]));
    registry.register(Kind::client_layer(
        "wrap",
        "test layer",
        LAYER_OPTIONS,
        layer,
    ));
    registry.register(Kind::client_layer(
        "outer",
        "a second test layer",
        LAYER_OPTIONS,
        outer,
    ));
    registry.register_url(UrlForm::new("pipe", "pipe://PATH", |url, _side| {
        let path = url.strip_prefix("pipe://").unwrap_or_default();
        Ok(format!("pipe:{}", endpoint_core::description::quote(path)))
    }));
    registry
}

#[test]
fn kinds_registered_at_run_time_parse() -> Result<()> {
    let r = registry();
    assert_eq!(r.client("pipe:/a")?.to_string(), "pipe:/a:timeout=30");
    assert_eq!(
        r.client("PIPE:path=/a:timeout=1.5")?.to_string(),
        "pipe:/a:timeout=1.5"
    );
    Ok(())
}

#[test]
fn layers_claim_their_own_keywords() -> Result<()> {
    let r = registry();
    let e = r.client("wrap+pipe:/a:hostname=h:wrap.timeout=5:pipe.timeout=2")?;
    assert_eq!(
        e.to_string(),
        "wrap+pipe:/a:timeout=2:wrap.hostname=h:wrap.timeout=5"
    );
    // The canonical text parses back to the same thing.
    assert_eq!(r.client(&e.to_string())?.to_string(), e.to_string());
    Ok(())
}

#[cfg(feature = "serde")]
#[test]
fn describe_serializes_layers_then_the_base_options(
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let described = registry().describe(Side::Client, "wrap+pipe:/a:hostname=h:wrap.timeout=5")?;
    assert_eq!(
        serde_json::to_string(&described)?,
        r#"{"side":"client","kind":"pipe","layers":[{"kind":"wrap","hostname":"h","timeout":5}],"path":"/a","timeout":30}"#
    );
    Ok(())
}

#[test]
fn a_keyword_two_layers_take_must_be_qualified() -> Result<()> {
    let e = registry()
        .client("outer+wrap+pipe:/a:hostname=h")
        .unwrap_err();
    let Error::Option { option, reason, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(option, "hostname");
    assert!(reason.contains("outer.hostname or wrap.hostname"), "{e}");
    // The base kind takes an unqualified keyword it knows.
    let e = registry().client("outer+wrap+pipe:/a:timeout=5:outer.hostname=h")?;
    assert_eq!(
        e.to_string(),
        "outer+wrap+pipe:/a:timeout=5:wrap.timeout=10:outer.hostname=h"
    );
    Ok(())
}

#[test]
fn a_keyword_no_part_takes_is_listed_with_what_each_takes() {
    let e = registry().client("wrap+pipe:/a:hostnam=x").unwrap_err();
    let Error::Option {
        suggestion,
        accepted,
        ..
    } = &e
    else {
        panic!("{e}")
    };
    assert_eq!(suggestion.as_deref(), Some("hostname"));
    assert!(
        accepted.contains(&"wrap.hostname".to_owned()),
        "{accepted:?}"
    );
}

#[test]
fn unknown_kinds_and_layers() {
    let r = registry();
    let e = r.client("pipz:/a").unwrap_err();
    assert!(
        matches!(&e, Error::UnknownKind { suggestion: Some(s), known, .. } if s == "pipe" && known == &["pipe"]),
        "{e}"
    );
    let e = r.client("wrap").unwrap_err();
    assert!(e.to_string().contains("did you mean \"wrap+...\""), "{e}");
    // The wrapper form takes the next positional only when it names a kind: `wrap:pipe:/a`
    // is `wrap+pipe:/a`, while in `wrap:/a` the layer itself is the unknown base kind.
    assert!(r.client("wrap:pipe:/a").is_ok());
    let e = r.client("wrap:/a").unwrap_err();
    assert!(
        matches!(&e, Error::UnknownKind { kind, suggestion: Some(s), .. } if kind == "wrap" && s == "wrap+..."),
        "{e}"
    );
    let e = r.server("pipe:/a").unwrap_err();
    assert!(e.to_string().contains("only as a client kind"), "{e}");
    let e = r.client("+pipe:/a").unwrap_err();
    assert!(matches!(e, Error::Parse { position: 0, .. }), "{e}");
    let e = r.client("host=h:port=80").unwrap_err();
    assert!(e.to_string().contains("no endpoint kind"), "{e}");
}

#[test]
fn url_forms_rewrite_to_descriptions() -> Result<()> {
    let r = registry();
    assert_eq!(
        r.client("pipe:///tmp/a:b")?.to_string(),
        r"pipe:/tmp/a\:b:timeout=30"
    );
    let e = r.client("nope://x").unwrap_err();
    assert!(
        matches!(&e, Error::UnknownKind { kind, .. } if kind == "nope://"),
        "{e}"
    );
    Ok(())
}

#[test]
fn the_kind_is_the_first_positional() -> Result<()> {
    assert_eq!(
        registry().client("timeout=3:pipe:/a")?.to_string(),
        "pipe:/a:timeout=3"
    );
    Ok(())
}

#[test]
fn no_input_panics() {
    let r = registry();
    let samples = [
        "",
        ":",
        "\\",
        "a\\",
        "=",
        "==",
        "+",
        "++",
        ":::",
        "pipe:\u{0}",
        "wrap+",
        "://",
        "pipe:path=/a:path=",
        "p\u{e9}:x",
    ];
    for s in samples {
        let _ = r.client(s);
        let _ = r.server(s);
        let _ = r.describe(Side::Client, s);
    }
}

#[test]
fn twisted_wrapper_form_means_a_layer() -> Result<()> {
    let r = registry();
    assert_eq!(
        r.client("wrap:pipe:/a")?.to_string(),
        "wrap+pipe:/a:timeout=30:wrap.timeout=10"
    );
    assert_eq!(
        r.client("wrap:outer:pipe:/a")?.to_string(),
        "wrap+outer+pipe:/a:timeout=30:wrap.timeout=10"
    );
    Ok(())
}

#[test]
fn a_keyword_the_base_has_by_position_goes_to_the_layer() -> Result<()> {
    static PATH_LAYER: &[OptionSpec] = &[OptionSpec::new("path", OptionType::Text, "layer path")];
    fn with_path(
        mut args: Args,
        inner: Arc<dyn ClientEndpoint>,
    ) -> Result<Arc<dyn ClientEndpoint>> {
        let path = args.keyword("path").map(|v| v.text);
        args.finish()?;
        Ok(Arc::new(Recorded(
            Description::layer("web", inner.description()).option_some("path", path),
        )))
    }
    let mut r = registry();
    r.register(Kind::client_layer(
        "web",
        "a layer with its own path",
        PATH_LAYER,
        with_path,
    ));
    assert_eq!(
        r.client("web+pipe:/a:path=/chat")?.to_string(),
        "web+pipe:/a:timeout=30:web.path=/chat"
    );
    // Without a positional path, the base kind keeps its keyword.
    assert_eq!(
        r.client("web+pipe:path=/a")?.to_string(),
        "web+pipe:/a:timeout=30"
    );
    Ok(())
}

#[test]
fn layer_chains_are_bounded() {
    let r = registry();
    // Sixteen parts in all: fifteen layers and the base kind.
    let deepest = format!("{}pipe:/a", "wrap+".repeat(endpoint_core::MAX_LAYERS - 1));
    let endpoint = r.client(&deepest).expect("sixteen parts are allowed");
    assert_eq!(endpoint.to_string().matches("wrap+").count(), 15);
    let too_deep = format!("wrap+{deepest}");
    match r.client(&too_deep) {
        Err(Error::Parse {
            message, position, ..
        }) => {
            assert!(message.contains("at most 16 parts"), "{message}");
            assert_eq!(position, 16 * "wrap+".len());
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    // The wrapper form counts the same way, and a long one is refused as soon as it passes
    // the limit, not after joining every segment.
    let wrapped = format!("{}pipe:/a", "wrap:".repeat(1_000));
    match r.client(&wrapped) {
        Err(Error::Parse { message, .. }) => assert!(message.contains("too many layers")),
        other => panic!("expected a parse error, got {other:?}"),
    }
    // Past 4096 segments the splitter refuses it before any kind is looked at.
    let endless = format!("{}pipe:/a", "wrap:".repeat(100_000));
    match r.client(&endless) {
        Err(Error::Parse { message, .. }) => assert!(message.contains("too many segments")),
        other => panic!("expected a parse error, got {other:?}"),
    }
    let wrapped_ok = format!("{}pipe:/a", "wrap:".repeat(15));
    assert!(r.client(&wrapped_ok).is_ok());
}
