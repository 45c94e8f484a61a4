//! Failed listens and connects carry the OS reason; bad descriptions say what is wrong.
mod support;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use endpoint_core::{Error, Registry};
use endpoint_tcp as _;
use endpoint_testkit::TestResult;
use support::{black_hole, refusing};

#[tokio::test]
async fn address_in_use_is_an_io_error() -> TestResult {
    let registry = Registry::global();
    let first = registry.server("tcp:0:interface=127.0.0.1")?.bind().await?;
    let port = first.local_address().port().unwrap();
    let description = format!("tcp:{port}:interface=127.0.0.1");
    let error = registry.server(&description)?.bind().await.unwrap_err();
    assert_eq!(error.io_kind(), Some(ErrorKind::AddrInUse));
    assert!(error.to_string().contains(&description), "{error}");
    let source = std::error::Error::source(&error)
        .expect("the OS error")
        .to_string();
    assert!(source.to_lowercase().contains("in use"), "{source}");
    Ok(())
}

#[tokio::test]
async fn refused_is_an_io_error() -> TestResult {
    let (_keep, address) = refusing();
    let client = Registry::global().client(&format!("tcp:127.0.0.1:{}", address.port()))?;
    let error = client.connect().await.unwrap_err();
    assert_eq!(
        error.io_kind(),
        Some(ErrorKind::ConnectionRefused),
        "{error}"
    );
    Ok(())
}

#[tokio::test]
async fn connect_times_out_against_an_address_that_never_answers() -> TestResult {
    let hole = black_hole();
    let client = Registry::global().client(&format!(
        "tcp:127.0.0.1:{}:timeout=0.3",
        hole.address.port()
    ))?;
    let started = Instant::now();
    let error = client.connect().await.unwrap_err();
    assert!(
        matches!(error, Error::Timeout { after, .. } if after == Duration::from_millis(300)),
        "{error}"
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    Ok(())
}

#[tokio::test]
async fn zero_timeout_fails_at_once() -> TestResult {
    let client = Registry::global().client("tcp:127.0.0.1:1:timeout=0")?;
    assert!(client.connect().await.unwrap_err().is_timeout());
    Ok(())
}

#[test]
fn bad_descriptions_name_the_problem() {
    let registry = Registry::global();
    let e = registry.server("tpc:8080").unwrap_err();
    assert!(
        matches!(&e, Error::UnknownKind { suggestion: Some(s), .. } if s == "tcp"),
        "{e}"
    );
    assert!(e.to_string().contains("did you mean \"tcp\""), "{e}");

    let e = registry.server("tcp:80:backlg=5").unwrap_err();
    assert!(
        matches!(&e, Error::Option { option, suggestion: Some(s), position: 7, .. }
        if option == "backlg" && s == "backlog"),
        "{e}"
    );

    let e = registry.server("tcp:http").unwrap_err();
    assert!(
        matches!(&e, Error::Option { option, position: 4, .. } if option == "port"),
        "{e}"
    );
    assert!(e.caret().unwrap().ends_with("    ^"), "{:?}", e.caret());

    let e = registry.client("tcp6:h:80").unwrap_err();
    assert!(e.to_string().contains("only as a server kind"), "{e}");

    let e = registry.server("tcp:80:port=81").unwrap_err();
    assert!(e.to_string().contains("given twice"), "{e}");

    let e = registry.client("tcp:h:80:81").unwrap_err();
    assert!(e.to_string().contains("too many"), "{e}");

    let e = registry.client("tcp:h:80:bindAddress=nowhere").unwrap_err();
    assert!(
        matches!(&e, Error::Option { option, .. } if option == "bindAddress"),
        "{e}"
    );
}
