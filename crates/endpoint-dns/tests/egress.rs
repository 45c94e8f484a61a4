//! The registry's egress policy applies to the addresses DNS answers lead to, as it does to
//! tcp's: a target resolving to a refused class is never connected to.

mod support;

use endpoint_core::{AddressClass, EgressPolicy, Registry};
// Links the crate, so its kinds are registered.
use endpoint_dns as _;
use endpoint_testkit::{require_dnsmasq, Dnsmasq, TestResult};
use support::{host, reached, srv, Backend};

fn guarded(policy: EgressPolicy) -> Registry {
    let mut registry = Registry::from_inventory();
    registry.guard_egress(policy);
    registry
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_address_in_a_dns_answer_is_not_connected_to() -> TestResult {
    let Some(dnsmasq) = require_dnsmasq() else {
        return Ok(());
    };
    let a = Backend::start("a").await?;
    let name = "_echo._tcp.svc.test";
    let dns = Dnsmasq::start(
        &dnsmasq,
        &[
            srv(name, "a.test", a.port(), 0, 1),
            host("a.test", "127.0.0.1"),
            host("multi.test", "127.0.0.1"),
        ],
    )
    .await?;
    let refuse_loopback = guarded(EgressPolicy::new().refuse(AddressClass::Loopback));
    for description in [
        format!("srv:{name}:nameserver={}", dns.nameserver()),
        format!(
            "dns:multi.test:{}:nameserver={}",
            a.port(),
            dns.nameserver()
        ),
    ] {
        let pool = refuse_loopback.client(&description)?;
        let error = pool.connect().await.unwrap_err();
        assert_eq!(
            error.io_kind(),
            Some(std::io::ErrorKind::PermissionDenied),
            "{description}: {error}"
        );
        let refusal = endpoint_core::find_in_chain::<endpoint_core::Refusal>(&error);
        assert_eq!(
            refusal.map(|r| r.class),
            Some(AddressClass::Loopback),
            "{error:?}"
        );
    }
    assert_eq!(a.accepted(), 0, "a refused address was connected to");

    // Allowed by an exception: the same answers connect.
    let allowed = guarded(
        EgressPolicy::new()
            .refuse(AddressClass::Loopback)
            .allow("127.0.0.1/32".parse()?),
    );
    let pool = allowed.client(&format!("srv:{name}:nameserver={}", dns.nameserver()))?;
    assert_eq!(reached(&*pool).await?, "a");
    Ok(())
}
