//! What a peer can make the server buffer: no datagrams, and bounded flow-control windows.
//! The peer that never gets read is a quinn client of its own (a send window far larger than
//! any window under test, so only the server's credit stops it).
mod support;

use endpoint_quic::quinn;
use futures_util::FutureExt;
use support::wire::quinn_client_config;
use support::{client, logs, port_of, quic, server, Pki, TestResult, SAFETY};
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn datagrams_are_off() -> TestResult {
    logs();
    let pki = Pki::new();
    let mut listener = server(&pki, "").await?;
    let port = port_of(&listener);

    // A peer that would send datagrams (quinn's defaults) learns the server takes none.
    let config = quinn_client_config(&pki, quinn::TransportConfig::default())?;
    let endpoint = quinn::Endpoint::client("127.0.0.1:0".parse()?)?;
    let connecting = endpoint.connect_with(config, ([127, 0, 0, 1], port).into(), "localhost")?;
    let raw = tokio::time::timeout(SAFETY, connecting).await??;
    assert_eq!(raw.max_datagram_size(), None);
    let refused = raw.send_datagram(b"nobody reads this".to_vec().into());
    assert!(
        matches!(refused, Err(quinn::SendDatagramError::UnsupportedByPeer)),
        "{refused:?}"
    );

    // Nor does our client take any, or send any.
    let client = client(&pki, port, "");
    let mut stream = client.connect().await?;
    stream.write_all(b"x").await?;
    let accepted = tokio::time::timeout(SAFETY, listener.accept()).await??;
    let ours = &quic(&stream).connection;
    assert_eq!(ours.max_datagram_size(), None);
    assert!(matches!(
        ours.send_datagram(b"x".to_vec().into()),
        Err(quinn::SendDatagramError::Disabled)
    ));
    assert_eq!(quic(&accepted).connection.max_datagram_size(), None);
    Ok(())
}

/// Opens `streams` streams to the server at `port` and writes on each until quinn will take
/// no more without the server granting credit (which it grants only as the application
/// reads, and nothing reads): returns the bytes each stream took.
async fn fill_until_blocked(pki: &Pki, port: u16, streams: usize) -> TestResult<Vec<usize>> {
    let mut transport = quinn::TransportConfig::default();
    transport.send_window(256 << 20);
    let config = quinn_client_config(pki, transport)?;
    let endpoint = quinn::Endpoint::client("127.0.0.1:0".parse()?)?;
    let connecting = endpoint.connect_with(config, ([127, 0, 0, 1], port).into(), "localhost")?;
    let connection = tokio::time::timeout(SAFETY, connecting).await??;
    let chunk = vec![7u8; 16 << 10];
    let mut taken = Vec::new();
    let mut held = Vec::new();
    for _ in 0..streams {
        let (mut send, recv) = tokio::time::timeout(SAFETY, connection.open_bi()).await??;
        let mut total = 0;
        // A write completes at once while there is credit, and is pending without it.
        while let Some(written) = send.write(&chunk).now_or_never() {
            total += written?;
        }
        taken.push(total);
        held.push((send, recv));
    }
    Ok(taken)
}

#[tokio::test]
async fn a_connection_nobody_reads_is_held_to_its_receive_window() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(&pki, ":receiveWindow=262144:streamReceiveWindow=65536").await?;
    let port = port_of(&listener);
    // The listener accepts nothing: every byte sent stays in the server's buffers.
    let taken = fill_until_blocked(&pki, port, 20).await?;
    let total: usize = taken.iter().sum();
    println!("20 unread streams took {total} bytes: {taken:?}");
    assert!(taken.iter().all(|&n| n <= 65536), "{taken:?}");
    assert_eq!(taken[0], 65536, "one stream takes its whole window");
    assert_eq!(total, 262144, "{taken:?}");
    drop(listener);
    Ok(())
}

#[tokio::test]
async fn by_default_a_connection_holds_at_most_four_mib_unread() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(&pki, "").await?;
    let port = port_of(&listener);
    // 50 streams of 1 MiB windows: quinn's defaults alone would let them hold 62.5 MB.
    let taken = fill_until_blocked(&pki, port, 50).await?;
    let total: usize = taken.iter().sum();
    println!("50 unread streams took {total} bytes");
    assert!(taken.iter().all(|&n| n <= 1 << 20), "{taken:?}");
    assert_eq!(total, 4 << 20);
    drop(listener);
    Ok(())
}
