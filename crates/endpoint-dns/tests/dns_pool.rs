//! `dns:HOST:PORT` against dnsmasq: every address of the name is a member.

mod support;

use endpoint_dns::DnsClientEndpoint;
use endpoint_testkit::{free_port, require_dnsmasq, Dnsmasq, TestResult};
use support::{host, reached, Backend};

/// Backends named "1" and "2" on 127.0.0.1 and 127.0.0.2, one port for both.
async fn two_addresses() -> TestResult<(Backend, Backend)> {
    for _ in 0..20 {
        let port = free_port().await;
        let Ok(one) = Backend::on("1", "127.0.0.1".parse()?, port).await else {
            continue;
        };
        if let Ok(two) = Backend::on("2", "127.0.0.2".parse()?, port).await {
            return Ok((one, two));
        }
    }
    Err("no port free on both 127.0.0.1 and 127.0.0.2".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_address_of_the_name_is_a_member() -> TestResult {
    let Some(dnsmasq) = require_dnsmasq() else {
        return Ok(());
    };
    let (one, two) = two_addresses().await?;
    let dns = Dnsmasq::start(
        &dnsmasq,
        &[
            host("multi.test", "127.0.0.1"),
            host("multi.test", "127.0.0.2"),
        ],
    )
    .await?;
    let pool: DnsClientEndpoint = format!(
        "dns:multi.test:{}:nameserver={}:timeout=5",
        one.port(),
        dns.nameserver()
    )
    .parse()?;
    let mut counts = [0; 2];
    for _ in 0..200 {
        match reached(&pool).await?.as_str() {
            "1" => counts[0] += 1,
            "2" => counts[1] += 1,
            other => panic!("{other}"),
        }
    }
    // Equal weights: about 100 each.
    assert!(counts.iter().all(|&n| n >= 60), "{counts:?}");
    let mut members = pool.members();
    members.sort();
    assert_eq!(
        members,
        [
            format!("tcp:127.0.0.1:{}:timeout=5", one.port()),
            format!("tcp:127.0.0.2:{}:timeout=5", two.port()),
        ]
    );
    // One address down: the other takes every connection.
    two.stop().await;
    for _ in 0..5 {
        assert_eq!(reached(&pool).await?, "1");
    }
    Ok(())
}
