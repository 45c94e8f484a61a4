//! A description is a value: equality and hashing compare values (secrets included, defaults
//! written out or left out alike), serde keeps the whole text, and `Display`/`Debug`/logs
//! still hide the secrets.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use endpoints::{ClientDescription, Registry, ServerDescription, Side};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn client(text: &str) -> ClientDescription {
    text.parse()
        .unwrap_or_else(|e| panic!("{text} does not parse: {e}"))
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

const PROXY: &str = r"socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1080:user=me";

/// Pairs of descriptions that differ only in a secret value: before, they compared equal
/// (their masked texts were).
fn differing_only_in_a_secret() -> Vec<(String, String)> {
    vec![
        (
            format!("{PROXY}:password=one"),
            format!("{PROXY}:password=two"),
        ),
        (
            "ws+tcp:h:80:header=Authorization=Bearer one".into(),
            "ws+tcp:h:80:header=Authorization=Bearer two".into(),
        ),
        (
            format!("httpconnect+tcp:h:443:proxy=tcp\\:127.0.0.1\\:3128:user=u:password=one"),
            format!("httpconnect+tcp:h:443:proxy=tcp\\:127.0.0.1\\:3128:user=u:password=two"),
        ),
        // A secret nested in the proxy's own description, under tls.
        (
            r"tls+socks5+tcp:h:443:proxy=httpconnect+tcp\:p\:1\:proxy\=tcp\\\:127.0.0.1\\\:3128\:user\=u\:password\=one".into(),
            r"tls+socks5+tcp:h:443:proxy=httpconnect+tcp\:p\:1\:proxy\=tcp\\\:127.0.0.1\\\:3128\:user\=u\:password\=two".into(),
        ),
    ]
}

#[test]
fn descriptions_differing_only_in_a_secret_are_unequal() {
    for (one, two) in differing_only_in_a_secret() {
        let (a, b) = (client(&one), client(&two));
        // Masked, they print the same...
        assert_eq!(a.to_string(), b.to_string(), "{one}");
        // ...but they are different endpoints.
        assert_ne!(a, b, "{one} == {two}");
        assert_ne!(a.description(), b.description());
        assert_eq!(a, client(&one));
        assert_eq!(hash_of(&a), hash_of(&client(&one)));
    }
}

#[test]
fn layered_endpoints_compare_their_inner_values() {
    let registry = Registry::global();
    let tls = |password: &str| {
        registry
            .client(&format!("tls+{PROXY}:password={password}"))
            .map(|e| e.description())
    };
    assert_ne!(tls("one").ok(), tls("two").ok());
    assert_eq!(tls("one").ok(), tls("one").ok());
}

#[test]
fn defaults_written_out_or_left_out_are_equal() -> TestResult {
    let server = |t: &str| t.parse::<ServerDescription>();
    for (short, long) in [
        ("tcp:8080", "tcp:8080:backlog=50"),
        ("tcp:8080", "tcp:port=8080:interface=:backlog=50"),
        ("unix:/tmp/a.sock", "unix:/tmp/a.sock:backlog=50:lockfile=1"),
        (
            "tcp:8080:maxConnections=5",
            "tcp:8080:backlog=50:maxConnections=5",
        ),
    ] {
        assert_eq!(server(short)?, server(long)?, "{short} vs {long}");
        assert_eq!(hash_of(&server(short)?), hash_of(&server(long)?));
    }
    assert_eq!(client("tcp:h:80"), client("tcp:h:80:timeout=30"));
    assert_eq!(client("ws://h/chat"), client("ws+tcp:h:80:path=/chat"));
    assert_ne!(server("tcp:8080")?, server("tcp:8081")?);
    assert_ne!(server("tcp:8080")?, server("tcp:8080:maxConnections=5")?);
    Ok(())
}

#[test]
fn serde_round_trip_keeps_the_secret() -> TestResult {
    for (one, _) in differing_only_in_a_secret() {
        let original = client(&one);
        let json = serde_json::to_string(&original)?;
        let back: ClientDescription = serde_json::from_str(&json)?;
        assert_eq!(back, original, "{json}");
        assert!(
            json.contains("one"),
            "serde must write the whole text: {json}"
        );
    }
    let server: ServerDescription = serde_json::from_str(r#""tcp:0:maxConnections=3""#)?;
    let json = serde_json::to_string(&server)?;
    assert_eq!(json, r#""tcp:0:interface=:backlog=50:maxConnections=3""#);
    Ok(())
}

#[test]
fn display_debug_and_describe_still_hide_the_secret() -> TestResult {
    for (one, _) in differing_only_in_a_secret() {
        let value = client(&one);
        for shown in [
            value.to_string(),
            format!("{value:?}"),
            value.description().to_string(),
            format!("{:?}", value.description()),
            format!("{:?}", value.description().unmasked()),
            format!("{:?}", Registry::global().describe(Side::Client, &one)?),
        ] {
            assert!(!shown.contains("one"), "{shown}");
            assert!(shown.contains("***"), "{shown}");
        }
        assert!(value.description().unmasked().to_string().contains("one"));
    }
    Ok(())
}

#[test]
fn layers_are_asked_by_value() {
    let value = client("ws+tls+tcp:example.com:443:path=/chat").description();
    assert_eq!(value.kind(), "ws");
    assert_eq!(value.inner().map(|d| d.kind()), Some("tls"));
    assert_eq!(value.base().kind(), "tcp");
    assert!(value.contains_kind("tls"));
    let server: ServerDescription = "stdio".parse().expect("stdio parses");
    assert_eq!(server.description().kind(), "stdio");
    assert!(server.description().inner().is_none());
}
