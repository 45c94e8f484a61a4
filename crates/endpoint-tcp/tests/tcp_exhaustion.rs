//! Running out of descriptors (EMFILE) makes the listener back off and retry, without spinning
//! a core, and it recovers once descriptors are free. One test in its own binary, because it
//! lowers this process's descriptor limit.
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use endpoint_core::{Connection, Registry};
use endpoint_tcp as _;
use endpoint_testkit::TestResult;
use support::SAFETY;
use tokio::sync::mpsc;

/// The highest descriptor number in use (asked with fcntl, which opens nothing itself).
fn highest_descriptor() -> u64 {
    // SAFETY: F_GETFD only reads the descriptor's flags.
    (0..4096)
        .filter(|&fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1)
        .max()
        .unwrap_or(0) as u64
}

/// Fills every free descriptor number below the highest one in use, so that the next
/// descriptors opened are numbered `highest + 1`, `highest + 2`, ...
fn fill_holes() -> Vec<std::fs::File> {
    let highest = highest_descriptor();
    let mut fillers = Vec::new();
    loop {
        let file = std::fs::File::open("/dev/null").unwrap();
        if std::os::fd::AsRawFd::as_raw_fd(&file) as u64 > highest {
            return fillers;
        }
        fillers.push(file);
    }
}

fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn set_soft_limit(limit: u64) -> libc::rlimit {
    // SAFETY: plain libc calls on a struct we own.
    let mut old: libc::rlimit = unsafe { std::mem::zeroed() };
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) };
    let new = libc::rlimit {
        rlim_cur: limit,
        rlim_max: old.rlim_max,
    };
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) }, 0);
    old
}

#[tokio::test(flavor = "current_thread")]
async fn emfile_backs_off_and_recovers() -> TestResult {
    let registry = Registry::global();
    let listener = registry
        .server("tcp:0:interface=127.0.0.1:backlog=16")?
        .bind()
        .await?;
    let port = listener.local_address().port().unwrap();

    // Six clients connect before anything is accepted; the kernel queues them.
    let clients: Vec<std::net::TcpStream> = (0..6)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)))
        .collect::<Result<_, _>>()?;

    // Room for exactly two more descriptors: two accepts succeed, then accept fails (EMFILE).
    // A descriptor limit is on descriptor numbers, so first fill the free numbers below.
    let _fillers = fill_holes();
    let old = set_soft_limit(highest_descriptor() + 1 + 2);

    let held: Arc<Mutex<Vec<Connection>>> = Arc::default();
    let (accepted_tx, mut accepted_rx) = mpsc::unbounded_channel();
    let port_handle = {
        let held = held.clone();
        listener.listen(move |connection| {
            let held = held.clone();
            let tx = accepted_tx.clone();
            async move {
                held.lock().unwrap().push(connection);
                let _ = tx.send(());
            }
        })
    };
    for _ in 0..2 {
        tokio::time::timeout(SAFETY, accepted_rx.recv()).await?;
    }

    // Now out of descriptors: the listener must back off, not spin.
    let cpu_before = cpu_time();
    assert!(
        tokio::time::timeout(Duration::from_millis(500), accepted_rx.recv())
            .await
            .is_err()
    );
    let burned = cpu_time() - cpu_before;
    assert!(
        burned < Duration::from_millis(250),
        "the accept loop used {burned:?} of CPU in 500 ms"
    );

    // Free the descriptors (and the limit): the listener accepts the rest.
    held.lock().unwrap().clear();
    set_soft_limit(old.rlim_cur);
    for _ in 2..6 {
        tokio::time::timeout(SAFETY, accepted_rx.recv()).await?;
    }
    port_handle.stop_listening().await;
    drop(clients);
    Ok(())
}
