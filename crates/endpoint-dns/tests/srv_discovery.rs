//! `srv:` against a real DNS server (dnsmasq on a loopback port): RFC 2782 priority and
//! weight, records that change, the last good answer while DNS is down, and parse errors.

mod support;

use std::time::Instant;

use endpoint_core::{ClientEndpoint, Error};
use endpoint_dns::SrvClientEndpoint;
use endpoint_testkit::{eventually_async, require_dnsmasq, Dnsmasq, TestResult, SAFETY};
use support::{host, reached, srv, Backend};

const NAME: &str = "_echo._tcp.svc.test";

fn pool(dns: &Dnsmasq) -> TestResult<SrvClientEndpoint> {
    Ok(format!("srv:{NAME}:nameserver={}:timeout=5", dns.nameserver()).parse()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lower_priority_first_and_by_weight_within_a_priority() -> TestResult {
    let Some(dnsmasq) = require_dnsmasq() else {
        return Ok(());
    };
    let (a, b, c) = (
        Backend::start("a").await?,
        Backend::start("b").await?,
        Backend::start("c").await?,
    );
    let records = [
        srv(NAME, "a.test", a.port(), 10, 3),
        srv(NAME, "b.test", b.port(), 10, 1),
        srv(NAME, "c.test", c.port(), 20, 1),
        host("a.test", "127.0.0.1"),
        host("b.test", "127.0.0.1"),
        host("c.test", "127.0.0.1"),
    ];
    let dns = Dnsmasq::start(&dnsmasq, &records).await?;
    let pool = pool(&dns)?;
    let (mut to_a, mut to_b) = (0, 0);
    for _ in 0..400 {
        match reached(&pool).await?.as_str() {
            "a" => to_a += 1,
            "b" => to_b += 1,
            other => panic!("priority 20 ({other}) reached while priority 10 is up"),
        }
    }
    // Weights 3:1: about 300 and 100; generous margins for a random choice.
    assert!((240..=360).contains(&to_a), "a: {to_a}, b: {to_b}");
    assert_eq!(c.accepted(), 0);
    assert_eq!(pool.members().len(), 3);

    // Priority 10 down: every connect falls back to priority 20.
    a.stop().await;
    b.stop().await;
    for _ in 0..5 {
        assert_eq!(reached(&pool).await?, "c");
    }
    // One of priority 10 back: it is preferred again.
    let _b = Backend::on("b2", "127.0.0.1".parse()?, b_port(&pool)).await?;
    assert_eq!(reached(&pool).await?, "b2");
    Ok(())
}

/// The port of b.test's record (b's listener is gone; a new one takes its port).
fn b_port(pool: &SrvClientEndpoint) -> u16 {
    pool.members()
        .iter()
        .find(|(tcp, _, weight)| tcp.starts_with("tcp:b.test:") && *weight == 1)
        .and_then(|(tcp, _, _)| tcp.split(':').nth(2)?.parse().ok())
        .expect("b.test is a member")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_records_are_picked_up_after_the_ttl() -> TestResult {
    let Some(dnsmasq) = require_dnsmasq() else {
        return Ok(());
    };
    let (a, b) = (Backend::start("a").await?, Backend::start("b").await?);
    let mut dns = Dnsmasq::start(
        &dnsmasq,
        &[
            srv(NAME, "a.test", a.port(), 0, 1),
            host("a.test", "127.0.0.1"),
        ],
    )
    .await?;
    let pool = pool(&dns)?;
    assert!(pool.members().is_empty(), "parsing resolved nothing");
    assert_eq!(reached(&pool).await?, "a");
    dns.restart(&[
        srv(NAME, "b.test", b.port(), 0, 1),
        host("b.test", "127.0.0.1"),
    ])
    .await?;
    let changed = Instant::now();
    eventually_async(SAFETY, || async {
        matches!(reached(&pool).await.as_deref(), Ok("b"))
    })
    .await?;
    println!(
        "the new record was in use {:?} after the change",
        changed.elapsed()
    );
    assert_eq!(pool.status().changes, 2);
    assert_eq!(reached(&pool).await?, "b");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_good_answer_stays_while_dns_is_down() -> TestResult {
    let Some(dnsmasq) = require_dnsmasq() else {
        return Ok(());
    };
    let a = Backend::start("a").await?;
    let mut dns = Dnsmasq::start(
        &dnsmasq,
        &[
            srv(NAME, "a.test", a.port(), 0, 1),
            host("a.test", "127.0.0.1"),
        ],
    )
    .await?;
    let pool: SrvClientEndpoint = format!(
        "srv:{NAME}:nameserver={}:dnsTimeout=0.5:timeout=5",
        dns.nameserver()
    )
    .parse()?;
    assert_eq!(reached(&pool).await?, "a");
    dns.stop().await;
    // Connect until a refresh has failed (the TTL is 1 s), then the pool still serves.
    eventually_async(SAFETY, || async {
        let _ = reached(&pool).await;
        pool.status().failures > 0
    })
    .await?;
    assert!(pool.status().stale);
    assert_eq!(reached(&pool).await?, "a");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_lookup_that_fails_fails_the_connect() -> TestResult {
    let Some(dnsmasq) = require_dnsmasq() else {
        return Ok(());
    };
    let dns = Dnsmasq::start(&dnsmasq, &[host("a.test", "127.0.0.1")]).await?;
    let pool = pool(&dns)?;
    let error = pool.connect().await.unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("could not resolve \"srv:_echo._tcp.svc.test"),
        "{error}"
    );
    Ok(())
}

#[test]
fn a_name_without_underscores_suggests_the_srv_form() {
    let error = "srv:http.tcp".parse::<SrvClientEndpoint>().unwrap_err();
    match &error {
        Error::Option {
            option,
            position,
            suggestion,
            ..
        } => {
            assert_eq!(option, "name");
            assert_eq!(*position, 4);
            assert_eq!(suggestion.as_deref(), Some("srv:_http._tcp.example.com"));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        error.to_string().contains("_service._proto.domain"),
        "{error}"
    );
    let error = r"srv:_a._tcp.b.test:nameserver=ns.test".parse::<SrvClientEndpoint>();
    assert!(error.unwrap_err().to_string().contains("nameserver"));
}
