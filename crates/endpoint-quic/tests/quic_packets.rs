//! Packet sizes: `maxUdpPayload=` parses, errors at its position, round-trips in canonical
//! text, and on loopback (MTU 65536) lets MTU discovery raise packets past the Internet-safe
//! 1452 both ways, while the default keeps them there.
mod support;

use endpoint_core::{Error, Registry};
use endpoint_quic::quinn;
use endpoint_quic::QuicServerEndpoint;
use support::wire::quinn_client_config;
use support::{logs, port_of, quic, server, server_description, Pki, TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[test]
fn max_udp_payload_round_trips_and_bad_values_error_at_their_position() -> TestResult {
    let pki = Pki::new();
    let text = server_description(&pki, ":maxUdpPayload=65527");
    let server: QuicServerEndpoint = text.parse()?;
    let canonical = server.to_string();
    assert!(canonical.ends_with(":maxUdpPayload=65527"), "{canonical}");
    assert_eq!(canonical.parse::<QuicServerEndpoint>()?, server);

    let default: QuicServerEndpoint = server_description(&pki, "").parse()?;
    assert!(
        default.to_string().ends_with(":maxUdpPayload=1452"),
        "{default}"
    );

    for bad in ["1199", "65528", "70000", "0", "big", "-1"] {
        let text = server_description(&pki, &format!(":maxUdpPayload={bad}"));
        let error = Registry::global()
            .server(&text)
            .expect_err("a bad packet size");
        let at = text.find("maxUdpPayload=").expect("the option");
        match &error {
            Error::Option {
                option, position, ..
            } => {
                assert_eq!(option, "maxUdpPayload", "{error}");
                assert!(
                    (at..=at + "maxUdpPayload=".len()).contains(position),
                    "{bad}: position {position}, option at {at}: {error}"
                );
            }
            other => panic!("{bad}: {other}"),
        }
    }
    Ok(())
}

/// A quinn client whose own limits are wide (MTU discovery up to 65527, and it accepts as
/// much), so the server's settings decide the packet sizes both ways.
async fn wide_client(pki: &Pki, port: u16) -> TestResult<quinn::Connection> {
    let mut transport = quinn::TransportConfig::default();
    let mut discovery = quinn::MtuDiscoveryConfig::default();
    discovery.upper_bound(65527);
    transport
        .mtu_discovery_config(Some(discovery))
        .enable_segmentation_offload(false);
    let config = quinn_client_config(pki, transport)?;
    let mut endpoint_config = quinn::EndpointConfig::default();
    endpoint_config.max_udp_payload_size(65527)?;
    let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    let endpoint = quinn::Endpoint::new(
        endpoint_config,
        None,
        socket,
        std::sync::Arc::new(quinn::TokioRuntime),
    )?;
    let connecting = endpoint.connect_with(config, ([127, 0, 0, 1], port).into(), "localhost")?;
    Ok(tokio::time::timeout(SAFETY, connecting).await??)
}

/// Sends `bytes` up a stream and echoes them back down, through the server's listener;
/// returns the client's and the server's path MTU at the end.
async fn transfer(extra: &str, bytes: usize) -> TestResult<(u16, u16)> {
    let pki = Pki::new();
    let mut listener = server(&pki, extra).await?;
    let connection = wide_client(&pki, port_of(&listener)).await?;
    let (mut send, mut recv) = connection.open_bi().await?;
    let writer = tokio::spawn(async move {
        let chunk = vec![0x5a_u8; 64 << 10];
        let mut left = bytes;
        while left > 0 {
            let n = left.min(chunk.len());
            send.write_all(&chunk[..n]).await?;
            left -= n;
        }
        send.finish()?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(send)
    });
    let mut accepted = tokio::time::timeout(SAFETY, listener.accept()).await??;
    let server_connection = quic(&accepted).connection.clone();
    let echo = tokio::spawn(async move {
        let (mut from, mut to) = tokio::io::split(&mut accepted);
        let copied = tokio::io::copy(&mut from, &mut to).await?;
        to.shutdown().await?;
        Ok::<_, std::io::Error>(copied)
    });
    let mut back = Vec::with_capacity(bytes);
    tokio::time::timeout(SAFETY * 4, AsyncReadExt::read_to_end(&mut recv, &mut back)).await??;
    assert_eq!(back.len(), bytes);
    assert!(back.iter().all(|&b| b == 0x5a));
    let _send = writer.await??;
    assert_eq!(echo.await??, bytes as u64);
    let client_mtu = connection.stats().path.current_mtu;
    let server_mtu = server_connection.stats().path.current_mtu;
    println!("{extra:?}: client path MTU {client_mtu}, server path MTU {server_mtu}");
    connection.close(0u32.into(), b"");
    Ok((client_mtu, server_mtu))
}

#[tokio::test]
async fn the_default_keeps_packets_internet_sized() -> TestResult {
    logs();
    let (client, server) = transfer("", 4 << 20).await?;
    // The server tells peers it accepts 1472 (quinn's own limit) and probes to 1452.
    assert!(client <= 1472, "{client}");
    assert!(server <= 1452, "{server}");
    Ok(())
}

#[tokio::test]
async fn a_large_max_udp_payload_moves_bytes_in_large_packets_both_ways() -> TestResult {
    logs();
    // Loopback carries 65536: MTU discovery climbs past 1452 both ways, and the bytes still
    // arrive whole (a GSO batch of such packets would not fit one send: batching is off).
    let (client, server) = transfer(":maxUdpPayload=65527", 16 << 20).await?;
    assert!(
        client > 1472,
        "the server let the client send large packets: {client}"
    );
    assert!(server > 1452, "the server sends large packets: {server}");
    Ok(())
}

#[tokio::test]
async fn a_payload_bound_that_still_batches_carries_bytes() -> TestResult {
    logs();
    // 4096 × 10 fits one 64 KiB send: batching stays on.
    let (client, server) = transfer(":maxUdpPayload=4096", 8 << 20).await?;
    assert!(client > 1472 && client <= 4096, "{client}");
    assert!(server > 1452 && server <= 4096, "{server}");
    Ok(())
}

#[tokio::test]
async fn the_client_takes_max_udp_payload_too() -> TestResult {
    logs();
    let text = "quic:h:4433:maxUdpPayload=9000";
    let parsed = Registry::global().client(text)?;
    assert!(
        parsed.to_string().ends_with(":maxUdpPayload=9000"),
        "{parsed}"
    );
    let bad = "quic:h:4433:maxUdpPayload=100";
    match Registry::global().client(bad) {
        Err(Error::Option {
            option, position, ..
        }) => {
            assert_eq!(option, "maxUdpPayload");
            let at = bad.find("maxUdpPayload=").expect("the option");
            assert!((at..=at + "maxUdpPayload=".len()).contains(&position));
        }
        other => panic!("{other:?}"),
    }

    // Our client and server both at 65527: an upload goes in large packets.
    let pki = Pki::new();
    let mut listener = server(&pki, ":maxUdpPayload=65527").await?;
    let client = support::client(&pki, port_of(&listener), ":maxUdpPayload=65527");
    let mut stream = client.connect().await?;
    let bytes = 16usize << 20;
    let writer = tokio::spawn(async move {
        let chunk = vec![0x33_u8; 64 << 10];
        for _ in 0..bytes / chunk.len() {
            stream.write_all(&chunk).await?;
        }
        stream.shutdown().await?;
        Ok::<_, std::io::Error>(stream)
    });
    let mut accepted = tokio::time::timeout(SAFETY, listener.accept()).await??;
    let mut received = Vec::with_capacity(bytes);
    tokio::time::timeout(SAFETY * 4, accepted.read_to_end(&mut received)).await??;
    assert_eq!(received.len(), bytes);
    let stream = writer.await??;
    let mtu = quic(&stream).connection.stats().path.current_mtu;
    println!("our client's path MTU after 16 MiB: {mtu}");
    assert!(mtu > 1472, "{mtu}");
    Ok(())
}
