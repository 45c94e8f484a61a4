//! `pin=sha256/BASE64`: a client that trusts exactly the pinned server keys, alone (a
//! self-signed server, no CA or name checks) or on top of `trustRoots`.
mod support;

use endpoint_core::{Error, Listener, Registry};
use endpoint_testkit::TestResult;
use endpoint_tls::SpkiPin;
use endpoint_tls::TlsProblem;
use support::{echo, port_of, ssl_listener, Pki};

/// Connects `client` (with `{port}` filled in) to `listener`; the server's side of a
/// refused handshake is polled too, and never yields a connection.
async fn connect(listener: &mut Listener, client: &str) -> Result<(), Error> {
    let client = client.replace("{port}", &port_of(listener).to_string());
    let client = Registry::global().client(&client)?;
    let connecting = client.connect();
    tokio::select! {
        connected = connecting => connected.map(drop),
        accepted = listener.accept() => panic!("accepted {:?}", accepted.map(drop)),
    }
}

fn pin_of(pki: &Pki, file: &str) -> String {
    SpkiPin::of_pem_file(pki.path(file)).unwrap().to_string()
}

#[tokio::test]
async fn the_right_pin_alone_trusts_a_self_signed_server() -> TestResult {
    let pki = Pki::new();
    // A self-signed certificate with no names at all: only its key identifies it.
    let mut listener = ssl_listener(&pki, "ca-as-leaf.pem", "").await?;
    let pin = pin_of(&pki, "ca-as-leaf.pem");
    let client =
        Registry::global().client(&format!("tls:localhost:{}:pin={pin}", port_of(&listener)))?;
    echo(&mut listener, &*client).await?;
    // Without the pin, the platform's roots do not know it.
    let refused = connect(&mut listener, "tls:localhost:{port}")
        .await
        .unwrap_err();
    assert!(refused.find::<TlsProblem>().is_some(), "{refused}");
    Ok(())
}

#[tokio::test]
async fn a_wrong_pin_is_refused_showing_the_presented_pin() -> TestResult {
    let pki = Pki::new();
    let mut listener = ssl_listener(&pki, "server.pem", "").await?;
    let presented = pin_of(&pki, "server.pem");
    let wrong = pin_of(&pki, "client.pem");
    let refused = connect(
        &mut listener,
        &format!("tls:localhost:{{port}}:pin={wrong}"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused.find::<TlsProblem>(),
        Some(&TlsProblem::PinMismatch {
            presented: presented.clone(),
            expected: vec![wrong.clone()],
        })
    );
    let message = refused.to_string();
    assert!(
        message.contains(&presented) && message.contains(&wrong),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn any_of_several_pins_will_do() -> TestResult {
    let pki = Pki::new();
    let mut listener = ssl_listener(&pki, "server.pem", "").await?;
    let (right, wrong) = (pin_of(&pki, "server.pem"), pin_of(&pki, "client.pem"));
    connect_ok(
        &mut listener,
        &format!("tls:localhost:{{port}}:pin={wrong},{right}"),
    )
    .await
}

async fn connect_ok(listener: &mut Listener, client: &str) -> TestResult {
    let client = client.replace("{port}", &port_of(listener).to_string());
    let client = Registry::global().client(&client)?;
    echo(listener, &*client).await?;
    Ok(())
}

#[tokio::test]
async fn with_trust_roots_both_checks_must_pass() -> TestResult {
    let pki = Pki::new();
    let mut listener = ssl_listener(&pki, "server.pem", "").await?;
    let (right, wrong) = (pin_of(&pki, "server.pem"), pin_of(&pki, "client.pem"));
    let (ca, other_ca) = (pki.arg("ca.pem"), pki.arg("other-ca.pem"));
    connect_ok(
        &mut listener,
        &format!("tls:localhost:{{port}}:trustRoots={ca}:pin={right}"),
    )
    .await?;
    let cases = [
        (format!("tls:localhost:{{port}}:trustRoots={ca}:pin={wrong}"), "pin"),
        (
            format!("tls:localhost:{{port}}:trustRoots={other_ca}:pin={right}"),
            "issuer",
        ),
        (
            format!("tls:wrong.example:{{port}}:trustRoots={ca}:pin={right}:endpoint=tcp\\:127.0.0.1\\:{{port}}"),
            "name",
        ),
    ];
    for (client, why) in cases {
        let refused = connect(&mut listener, &client).await.unwrap_err();
        let problem = refused.find::<TlsProblem>().cloned();
        let expected = match why {
            "pin" => matches!(problem, Some(TlsProblem::PinMismatch { .. })),
            "issuer" => matches!(problem, Some(TlsProblem::UnknownIssuer)),
            _ => matches!(problem, Some(TlsProblem::NameMismatch { .. })),
        };
        assert!(expected, "{client}: {refused}");
    }
    Ok(())
}

#[tokio::test]
async fn every_tls_client_form_takes_pins() -> TestResult {
    let pki = Pki::new();
    let mut listener = ssl_listener(&pki, "server.pem", "").await?;
    let pin = pin_of(&pki, "server.pem");
    for client in [
        format!("tls:localhost:{{port}}:pin={pin}"),
        format!("ssl:localhost:{{port}}:pin={pin}"),
        format!("tls+tcp:localhost:{{port}}:pin={pin}"),
        format!(
            "ssl:127.0.0.1:{{port}}:caCertsDir={}:pin={pin}",
            pki.arg("cas")
        ),
    ] {
        connect_ok(&mut listener, &client).await?;
        // The canonical text keeps the pin and parses back.
        let port = port_of(&listener).to_string();
        let endpoint = Registry::global().client(&client.replace("{port}", &port))?;
        let canonical = endpoint.to_string();
        let quoted = endpoint_core::description::quote(&pin);
        assert!(canonical.contains(&format!("pin={quoted}")), "{canonical}");
        assert_eq!(
            Registry::global().client(&canonical)?.to_string(),
            canonical
        );
    }
    Ok(())
}

#[test]
fn a_malformed_pin_is_an_option_error() {
    let error = Registry::global()
        .client("tls:localhost:443:pin=sha256/abc")
        .unwrap_err();
    match &error {
        Error::Option { option, .. } => assert_eq!(option, "pin"),
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("is not a pin"), "{error}");
}
