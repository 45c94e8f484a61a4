//! `Error`: messages, and finding typed evidence in a chain with `Error::find`.

use std::io;
use std::time::Duration;

use endpoint_core::{find_in_chain, Error};

#[test]
fn timeouts_print_seconds() {
    let timeout = |after| Error::Timeout {
        action: "connect to",
        endpoint: "tcp:h:1".into(),
        after,
    };
    let text = |d| timeout(d).to_string();
    assert_eq!(
        text(Duration::from_secs(30)),
        "timed out after 30s trying to connect to \"tcp:h:1\""
    );
    assert!(text(Duration::from_millis(500)).starts_with("timed out after 0.5s "));
    assert!(text(Duration::ZERO).starts_with("timed out after 0s "));
}

/// A layer's problem type, as a transport crate defines one.
#[derive(Debug, PartialEq, thiserror::Error)]
enum Problem {
    #[error("no platform trust roots found")]
    NoRoots,
    #[error("the server's Sec-WebSocket-Accept does not match our key")]
    BadAccept,
}

#[test]
fn handshake_messages_name_the_layer_and_the_endpoint_when_known() {
    let tls = Error::handshake("tls", None, Problem::NoRoots, None);
    assert_eq!(tls.to_string(), "tls: no platform trust roots found");
    let ws = Error::handshake(
        "websocket",
        Some("ws+tcp:h:80".into()),
        Problem::BadAccept,
        Some(Box::new(io::Error::other("not shown"))),
    );
    assert_eq!(
        ws.to_string(),
        "websocket handshake with \"ws+tcp:h:80\" failed: the server's \
         Sec-WebSocket-Accept does not match our key"
    );
    assert_eq!(ws.find::<Problem>(), Some(&Problem::BadAccept));
    // The chain goes on at the source, without the problem again.
    let source = std::error::Error::source(&ws).map(ToString::to_string);
    assert_eq!(source.as_deref(), Some("not shown"));
}

#[test]
fn find_walks_the_chain_and_looks_into_io_errors_and_problems() {
    // Behind an io::Error, behind an Error::Io: found through get_ref.
    let wrapped = Error::io("connect to", "x:1", io::Error::other(Problem::NoRoots));
    assert_eq!(wrapped.find::<Problem>(), Some(&Problem::NoRoots));
    // A handshake whose source is another layer's handshake error.
    let inner = Error::handshake("tls", None, Problem::NoRoots, None);
    let outer = Error::Other {
        message: "outer".into(),
        source: Some(Box::new(inner)),
    };
    assert_eq!(outer.find::<Problem>(), Some(&Problem::NoRoots));
    // On a plain &dyn Error, and the io::Error itself.
    let plain = io::Error::new(io::ErrorKind::InvalidData, Problem::BadAccept);
    assert_eq!(find_in_chain::<Problem>(&plain), Some(&Problem::BadAccept));
    assert!(find_in_chain::<io::Error>(&plain).is_some());
    assert_eq!(Error::other("no evidence").find::<Problem>(), None);
}
