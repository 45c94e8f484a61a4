//! Who gets a QUIC handshake: floods of handshakes that never complete, Retry, the
//! per-address and total limits, `maxConnections=` and the handshake timeout. The flood is
//! real Initial packets replayed from sockets that never answer (`support::wire`), from
//! loopback addresses other than the good client's 127.0.0.1.
mod support;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use endpoint_testkit::eventually_async;
use futures_util::future::join_all;
use support::wire::{flood, initials, Flood};
use support::{
    client, echo_server, logs, port_of, quic, round_trip, server, Counted, Pki, TestResult, SAFETY,
};

/// The loopback address `127.0.0.N`.
fn loopback(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// A good client's echo round trip over a fresh QUIC connection from 127.0.0.1, and how
/// long it took.
async fn good_client(pki: &Pki, port: u16) -> TestResult<Duration> {
    let started = Instant::now();
    let good = client(pki, port, ":timeout=10");
    let (back, _) = tokio::time::timeout(SAFETY, round_trip(&*good, b"still served")).await??;
    assert_eq!(back, b"still served");
    Ok(started.elapsed())
}

#[tokio::test]
async fn a_flood_from_one_address_gets_its_share_of_handshakes_and_no_more() -> TestResult {
    logs();
    let pki = Pki::new();
    // Defaults, and a cap high enough never to matter, whose count the test reads.
    let listener = server(&pki, ":maxConnections=100000").await?;
    let port = port_of(&listener);
    let counted = Counted::echo(listener);
    let target = ([127, 0, 0, 1], port).into();

    let sent = initials(&pki, 200).await?;
    let Flood {
        socket: _held,
        answers,
    } = flood(loopback(2), target, &sent).await?;
    println!("200 stalled attempts from one address: {answers:?}");
    // maxHandshakesPerSource=16 by default: the rest are refused, statelessly.
    assert!(answers.handshakes <= 16, "{answers:?}");
    assert_eq!(answers.handshakes + answers.refusals, 200, "{answers:?}");
    let live = counted.live().await;
    assert!(live <= 16, "{live} live");

    let took = good_client(&pki, port).await?;
    println!("a good client connected in {took:?} while the flood was held");
    // The flood's handshakes were still held (handshakeTimeout=10) when the good client
    // was served.
    let live = counted.live().await;
    assert!(live >= answers.handshakes, "{live} live");
    Ok(())
}

#[tokio::test]
async fn under_pressure_unvalidated_attempts_must_retry_and_a_good_client_still_connects(
) -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(
        &pki,
        ":maxHandshakes=16:maxHandshakesPerSource=2:handshakeTimeout=120:maxConnections=100000",
    )
    .await?;
    let port = port_of(&listener);
    let counted = Counted::echo(listener);
    let target = ([127, 0, 0, 1], port).into();

    // Ten addresses, ten stalled attempts each.
    let sent = initials(&pki, 100).await?;
    let mut held = Vec::new();
    let mut handshakes = 0;
    let mut retries = 0;
    for (i, attempts) in sent.chunks(10).enumerate() {
        let Flood { socket, answers } = flood(loopback(2 + i as u8), target, attempts).await?;
        assert!(answers.handshakes <= 2, "address {i}: {answers:?}");
        handshakes += answers.handshakes;
        retries += answers.retries;
        held.push(socket);
    }
    println!("100 stalled attempts from 10 addresses: {handshakes} handshakes, {retries} retries");
    // retry=auto: once 8 (half of maxHandshakes) are in progress, an attempt must prove its
    // address first, which a spoofed or stalled one never does. The first four addresses
    // fill those 8 places, so every attempt of the last six is asked to.
    assert!(handshakes <= 8, "{handshakes} handshakes");
    assert!(retries >= 60, "{retries} retries");
    let live = counted.live().await;
    assert!(live <= 8, "{live} live");

    // The good client answers the Retry (quinn does so by itself) and is served.
    let took = good_client(&pki, port).await?;
    println!("a good client connected through a Retry in {took:?}");
    let live = counted.live().await;
    assert!(
        live > handshakes,
        "the flood was released before the good client: {live}"
    );
    Ok(())
}

#[tokio::test]
async fn retry_always_asks_every_attempt_to_validate_its_address() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(&pki, ":retry=always").await?;
    let port = port_of(&listener);
    let _echo = echo_server(listener);
    let sent = initials(&pki, 20).await?;
    let Flood { answers, .. } = flood(loopback(2), ([127, 0, 0, 1], port).into(), &sent).await?;
    assert_eq!(answers.retries, 20, "{answers:?}");
    good_client(&pki, port).await?;
    Ok(())
}

#[tokio::test]
async fn retry_never_refuses_attempts_past_max_handshakes() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(
        &pki,
        ":retry=never:maxHandshakes=4:maxHandshakesPerSource=2:handshakeTimeout=120",
    )
    .await?;
    let port = port_of(&listener);
    let _echo = echo_server(listener);
    let target = ([127, 0, 0, 1], port).into();
    let sent = initials(&pki, 15).await?;
    let mut held = Vec::new();
    let mut handshakes = 0;
    for (i, attempts) in sent.chunks(5).enumerate() {
        let Flood { socket, answers } = flood(loopback(2 + i as u8), target, attempts).await?;
        assert_eq!(answers.retries, 0, "{answers:?}");
        handshakes += answers.handshakes;
        held.push(socket);
    }
    assert_eq!(handshakes, 4);
    // Without Retry the stalled handshakes fill the table, and a good client is refused:
    // the reason `retry=auto` is the default.
    let refused = client(&pki, port, ":timeout=10");
    let error = tokio::time::timeout(SAFETY, refused.connect())
        .await?
        .expect_err("served past maxHandshakes");
    println!("refused: {error}");
    Ok(())
}

#[tokio::test]
async fn max_connections_counts_quic_connections_not_streams() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(&pki, ":maxConnections=2").await?;
    let port = port_of(&listener);
    let counted = Counted::echo(listener);

    let first = client(&pki, port, "");
    let second = client(&pki, port, "");
    let (_, on_first) = tokio::time::timeout(SAFETY, round_trip(&*first, b"one")).await??;
    let (_, on_second) = tokio::time::timeout(SAFETY, round_trip(&*second, b"two")).await??;
    assert_ne!(quic(&on_first).stable_id, quic(&on_second).stable_id);
    // Streams do not count: the first connection runs five more at once.
    let trips = join_all((0..5).map(|_| round_trip(&*first, b"more")));
    for trip in tokio::time::timeout(SAFETY, trips).await? {
        assert_eq!(trip?.0, b"more");
    }
    assert_eq!(counted.live().await, 2);

    // A third QUIC connection is refused at once, not queued.
    let third = client(&pki, port, ":timeout=10");
    let started = Instant::now();
    let error = tokio::time::timeout(SAFETY, third.connect())
        .await?
        .expect_err("a third QUIC connection at maxConnections=2");
    println!("refused in {:?}: {error}", started.elapsed());
    assert!(!error.is_timeout(), "{error}");

    // When one connection ends, the third is admitted.
    quic(&on_first).connection.close(0u32.into(), b"done");
    eventually_async(SAFETY, || async { counted.live().await < 2 }).await?;
    let (back, _) = tokio::time::timeout(SAFETY, round_trip(&*third, b"three")).await??;
    assert_eq!(back, b"three");
    Ok(())
}

#[tokio::test]
async fn a_stalled_handshake_ends_after_handshake_timeout_even_without_idle_timeout() -> TestResult
{
    logs();
    let pki = Pki::new();
    let listener = server(&pki, ":idleTimeout=0:handshakeTimeout=1:maxConnections=1").await?;
    let port = port_of(&listener);
    let counted = Counted::echo(listener);

    let sent = initials(&pki, 1).await?;
    let Flood {
        socket: _held,
        answers,
    } = flood(loopback(2), ([127, 0, 0, 1], port).into(), &sent).await?;
    let stalled = Instant::now();
    assert_eq!(answers.handshakes, 1, "{answers:?}");
    // The stalled handshake holds the only place; nothing else would ever free it.
    let refused = client(&pki, port, ":timeout=10");
    tokio::time::timeout(SAFETY, refused.connect())
        .await?
        .expect_err("served beside the stalled handshake at maxConnections=1");

    eventually_async(SAFETY, || async { counted.live().await == 0 }).await?;
    let freed = stalled.elapsed();
    println!("the stalled handshake was dropped after {freed:?}");
    assert!(freed >= Duration::from_millis(500), "{freed:?}");
    good_client(&pki, port).await?;
    Ok(())
}

/// Counts the listener's refusals by address (`allow=`/`deny=`).
#[derive(Default)]
struct AddressRefusals(std::sync::atomic::AtomicUsize);

impl endpoint_core::ListenerEvents for AddressRefusals {
    fn address_refused(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

#[tokio::test]
async fn allow_refuses_other_addresses_before_any_handshake() -> TestResult {
    logs();
    let pki = Pki::new();
    let refusals = std::sync::Arc::new(AddressRefusals::default());
    let listener = server(&pki, ":allow=127.0.0.1")
        .await?
        .with_events(refusals.clone());
    let port = port_of(&listener);
    let _served = echo_server(listener);
    let target = ([127, 0, 0, 1], port).into();

    // Attempts from 127.0.0.2: every one refused (CONNECTION_REFUSED), none gets a
    // handshake's first flight, and each is counted.
    let sent = initials(&pki, 8).await?;
    let Flood { answers, .. } = flood(loopback(2), target, &sent).await?;
    println!("8 attempts from a refused address: {answers:?}");
    assert_eq!(
        (answers.handshakes, answers.refusals),
        (0, 8),
        "{answers:?}"
    );
    assert_eq!(refusals.0.load(std::sync::atomic::Ordering::Relaxed), 8);

    // The allowed address is served.
    good_client(&pki, port).await?;
    Ok(())
}

#[tokio::test]
async fn deny_refuses_the_client_at_once() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(&pki, ":deny=127.0.0.1").await?;
    let port = port_of(&listener);
    let _served = echo_server(listener);
    let refused = client(&pki, port, ":timeout=10");
    let outcome = tokio::time::timeout(SAFETY, round_trip(&*refused, b"nope")).await?;
    assert!(outcome.is_err(), "a denied client was served");
    Ok(())
}

/// A limit given in the description applies even when its value is the generic default
/// (64 per source for other kinds): QUIC's own default of 16 applies only when none is given.
#[tokio::test]
async fn a_per_source_limit_equal_to_the_generic_default_is_still_applied() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(&pki, ":maxConnections=100000:maxHandshakesPerSource=64").await?;
    let port = port_of(&listener);
    let _counted = Counted::echo(listener);
    let target = ([127, 0, 0, 1], port).into();
    let sent = initials(&pki, 40).await?;
    let Flood {
        socket: _held,
        answers,
    } = flood(loopback(3), target, &sent).await?;
    println!("40 stalled attempts from one address, 64 allowed: {answers:?}");
    // Under half of maxHandshakes (1024 for QUIC: 256) no Retry either: every one is a
    // handshake. Before, the 64 was taken for "not given" and 24 were refused.
    assert_eq!(answers.refusals, 0, "{answers:?}");
    assert!(answers.handshakes > 16, "{answers:?}");
    Ok(())
}
