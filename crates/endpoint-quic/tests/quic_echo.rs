//! Streams over QUIC on loopback: echo, what the info says, many streams on one connection.
mod support;

use std::collections::HashSet;

use endpoint_core::Address;
use futures_util::future::join_all;
use support::{
    client, echo_server, logs, port_of, quic, round_trip, server, Pki, TestResult, SAFETY,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn one_stream_echoes_and_says_what_it_is() -> TestResult {
    logs();
    let pki = Pki::new();
    let mut listener = server(&pki, "").await?;
    let port = port_of(&listener);
    let client = client(&pki, port, "");

    let mut stream = client.connect().await?;
    // The server sees the stream at its first byte.
    stream.write_all(b"hello over quic").await?;
    let mut accepted = tokio::time::timeout(SAFETY, listener.accept()).await??;
    let mut buf = [0; 15];
    accepted.read_exact(&mut buf).await?;
    assert_eq!(&buf, b"hello over quic");
    accepted.write_all(b"pong").await?;
    accepted.shutdown().await?;
    let mut back = Vec::new();
    tokio::time::timeout(SAFETY, stream.read_to_end(&mut back)).await??;
    assert_eq!(back, b"pong");
    // Half-close: the server's end did not end ours.
    stream.write_all(b"!").await?;
    stream.shutdown().await?;
    let mut rest = Vec::new();
    tokio::time::timeout(SAFETY, accepted.read_to_end(&mut rest)).await??;
    assert_eq!(rest, b"!");

    assert_eq!(stream.info().stack, ["quic"]);
    assert_eq!(accepted.info().stack, ["quic"]);
    assert_eq!(
        stream.peer_address(),
        &Address::Inet(([127, 0, 0, 1], port).into())
    );
    assert_eq!(accepted.peer_address(), stream.local_address());
    let (client_info, server_info) = (quic(&stream), quic(&accepted));
    assert_eq!(client_info.alpn.as_deref(), Some("endpoints"));
    assert_eq!(server_info.alpn.as_deref(), Some("endpoints"));
    for info in [stream.info(), accepted.info()] {
        let secured = info.get::<endpoint_core::Secured>().ok_or("no Secured")?;
        assert_eq!(secured.alpn.as_deref(), Some(&b"endpoints"[..]));
    }
    assert_eq!(server_info.server_name.as_deref(), Some("localhost"));
    assert_eq!(client_info.stream_id, 0);
    assert_eq!(server_info.stream_id, 0);
    assert_eq!(client_info.peer_certificates.len(), 1);
    assert!(server_info.peer_certificates.is_empty());
    Ok(())
}

#[tokio::test]
async fn fifty_concurrent_streams_share_one_quic_connection() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(&pki, "").await?;
    let port = port_of(&listener);
    let mut seen = echo_server(listener);
    let client = client(&pki, port, "");

    let messages: Vec<Vec<u8>> = (0..50)
        .map(|i| format!("stream {i} ").repeat(2000).into_bytes())
        .collect();
    let trips = join_all(messages.iter().map(|m| round_trip(&*client, m)));
    let results = tokio::time::timeout(SAFETY, trips).await?;
    let mut client_ids = HashSet::new();
    let mut stream_ids = HashSet::new();
    for (result, message) in results.into_iter().zip(&messages) {
        let (back, stream) = result?;
        assert!(back == *message, "a stream's echo differs");
        client_ids.insert(quic(&stream).stable_id);
        stream_ids.insert(quic(&stream).stream_id);
    }
    assert_eq!(
        client_ids.len(),
        1,
        "the client made several QUIC connections"
    );
    assert_eq!(stream_ids.len(), 50);

    let mut server_ids = HashSet::new();
    let mut peers = HashSet::new();
    for _ in 0..50 {
        let (info, peer) = seen.recv().await.ok_or("the server ended")?;
        server_ids.insert(info.stable_id);
        peers.insert(peer);
    }
    assert_eq!(
        server_ids.len(),
        1,
        "the server saw several QUIC connections"
    );
    assert_eq!(peers.len(), 1, "the server saw several client ports");
    Ok(())
}

#[tokio::test]
async fn more_streams_than_the_server_allows_wait_for_a_free_one() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(&pki, ":maxStreams=2").await?;
    let port = port_of(&listener);
    let _seen = echo_server(listener);
    let client = client(&pki, port, "");
    let trips = join_all((0..10).map(|_| round_trip(&*client, b"x")));
    for result in tokio::time::timeout(SAFETY, trips).await? {
        assert_eq!(result?.0, b"x");
    }
    Ok(())
}

#[tokio::test]
async fn a_closed_connection_is_replaced_at_the_next_connect() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(&pki, "").await?;
    let port = port_of(&listener);
    let _seen = echo_server(listener);
    let client = client(&pki, port, "");

    let (_, first) = tokio::time::timeout(SAFETY, round_trip(&*client, b"one")).await??;
    let old = quic(&first).connection.clone();
    old.close(0u32.into(), b"test");
    let (back, second) = tokio::time::timeout(SAFETY, round_trip(&*client, b"two")).await??;
    assert_eq!(back, b"two");
    assert_ne!(quic(&second).stable_id, old.stable_id());
    Ok(())
}

#[tokio::test]
async fn an_unused_connection_closes_after_the_idle_timeout() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(&pki, "").await?;
    let port = port_of(&listener);
    let _seen = echo_server(listener);
    let client = client(&pki, port, ":idleTimeout=0.3");

    let (_, stream) = tokio::time::timeout(SAFETY, round_trip(&*client, b"x")).await??;
    let connection = quic(&stream).connection.clone();
    drop(stream);
    // Closed by us, `idleTimeout` after its last stream: not timed out by the peer.
    let reason = tokio::time::timeout(SAFETY, connection.closed()).await?;
    assert!(
        matches!(reason, quinn::ConnectionError::LocallyClosed),
        "{reason:?}"
    );
    Ok(())
}

#[tokio::test]
async fn mutual_tls_shows_the_client_certificate() -> TestResult {
    logs();
    let pki = Pki::new();
    let extra = format!(":clientCA={}", pki.arg("ca.pem"));
    let mut listener = server(&pki, &extra).await?;
    let port = port_of(&listener);
    let with_cert = client(
        &pki,
        port,
        &format!(":certificate={}", pki.arg("client.pem")),
    );
    let mut stream = with_cert.connect().await?;
    stream.write_all(b"me").await?;
    let accepted = tokio::time::timeout(SAFETY, listener.accept()).await??;
    assert_eq!(quic(&accepted).peer_certificates.len(), 1);

    // Without a certificate the server refuses the handshake.
    let without = client(&pki, port, ":timeout=5");
    let error = match tokio::time::timeout(SAFETY, without.connect()).await? {
        Ok(mut stream) => {
            // TLS 1.3: the client may finish before the server refuses; the stream fails.
            stream.write_all(b"x").await?;
            let _ = stream.shutdown().await;
            let mut back = Vec::new();
            let read = tokio::time::timeout(SAFETY, stream.read_to_end(&mut back)).await?;
            read.expect_err("the server took a client without a certificate")
                .to_string()
        }
        Err(e) => e.to_string(),
    };
    assert!(!error.is_empty());
    Ok(())
}

use endpoint_quic::quinn;
