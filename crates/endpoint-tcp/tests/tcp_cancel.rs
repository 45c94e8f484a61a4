//! Dropping a connect future leaves no descriptor open. This file holds one test so that no
//! other test opens descriptors in this process while it counts them.
mod support;

use std::time::Duration;

use endpoint_core::ClientEndpoint;
use endpoint_tcp::TcpClientEndpoint;
use support::black_hole;

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "current_thread")]
async fn dropped_and_timed_out_connects_close_their_sockets() {
    let hole = black_hole();
    let client =
        TcpClientEndpoint::new("127.0.0.1", hole.address.port()).timeout(Duration::from_secs(30));
    // Warm up the runtime's own descriptors (the I/O driver) before counting.
    let _ = tokio::time::timeout(Duration::from_millis(10), client.connect()).await;
    let before = open_descriptors();

    for _ in 0..5 {
        let mut attempt = client.connect();
        // Poll it once so the socket really exists, then drop it.
        assert!(futures_util::poll!(&mut attempt).is_pending());
        assert!(
            open_descriptors() > before,
            "the attempt should hold a socket"
        );
        drop(attempt);
        assert_eq!(
            open_descriptors(),
            before,
            "a dropped connect leaked a descriptor"
        );
    }

    let short =
        TcpClientEndpoint::new("127.0.0.1", hole.address.port()).timeout(Duration::from_millis(50));
    assert!(short.connect().await.unwrap_err().is_timeout());
    assert_eq!(
        open_descriptors(),
        before,
        "a timed-out connect leaked a descriptor"
    );
}
