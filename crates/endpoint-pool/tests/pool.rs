//! Pools over real loopback sockets: backends that write their name and close.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use endpoint_core::description::Description;
use endpoint_core::{Address, BoxFuture, ClientEndpoint, Connection, ConnectionInfo, Origin};
use endpoint_pool::{Balance, Health, Member, Pool, Upstream};
use endpoint_tcp::TcpClientEndpoint;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket};
use tokio::task::JoinHandle;

/// Generous: only a safety net on a busy machine.
const SAFETY: Duration = Duration::from_secs(20);

/// A backend that writes its name to each connection; killed by dropping its listener and
/// revived on the same port.
struct Backend {
    name: &'static str,
    address: SocketAddr,
    serving: Option<JoinHandle<()>>,
}

impl Backend {
    async fn start(name: &'static str) -> Backend {
        Backend::on(name, "127.0.0.1:0".parse().unwrap()).await
    }

    async fn on(name: &'static str, address: SocketAddr) -> Backend {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(address).unwrap();
        let listener = socket.listen(64).unwrap();
        let address = listener.local_addr().unwrap();
        Backend {
            name,
            address,
            serving: Some(tokio::spawn(serve(listener, name))),
        }
    }

    /// Closes the listening socket: connects are refused from now on.
    async fn kill(&mut self) {
        if let Some(task) = self.serving.take() {
            task.abort();
            let _ = task.await;
        }
    }

    async fn revive(&mut self) {
        *self = Backend::on(self.name, self.address).await;
    }

    fn member(&self) -> Member {
        Member::new(endpoint(self.address.port()))
    }
}

async fn serve(listener: TcpListener, name: &'static str) {
    while let Ok((mut socket, _)) = listener.accept().await {
        tokio::spawn(async move {
            let _ = socket.write_all(name.as_bytes()).await;
        });
    }
}

fn endpoint(port: u16) -> Arc<dyn ClientEndpoint> {
    Arc::new(TcpClientEndpoint::new("127.0.0.1", port))
}

/// A port nothing listens on.
async fn dead_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Connects once and reads who answered.
async fn who(pool: &Pool) -> endpoint_core::Result<String> {
    let mut connection = tokio::time::timeout(SAFETY, pool.connect())
        .await
        .expect("a connect within the safety timeout")?;
    let mut name = String::new();
    connection.read_to_string(&mut name).await.unwrap();
    Ok(name)
}

async fn tally(pool: &Pool, connects: usize) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for _ in 0..connects {
        *seen.entry(who(pool).await.unwrap()).or_default() += 1;
    }
    seen
}

/// Backends "a", "b" and "c", and a pool of the three balanced by `balance`.
async fn three(balance: Balance) -> ([Backend; 3], Pool) {
    let backends = [
        Backend::start("a").await,
        Backend::start("b").await,
        Backend::start("c").await,
    ];
    let pool = Pool::new(backends.iter().map(Backend::member).collect(), balance);
    (backends, pool)
}

fn count(seen: &HashMap<String, usize>, name: &str) -> usize {
    seen.get(name).copied().unwrap_or(0)
}

#[tokio::test]
async fn round_robin_spreads_evenly() {
    let (_backends, pool) = three(Balance::RoundRobin).await;
    let seen = tally(&pool, 30).await;
    assert_eq!(
        [count(&seen, "a"), count(&seen, "b"), count(&seen, "c")],
        [10, 10, 10]
    );
}

#[tokio::test]
async fn weighted_gives_each_its_share_interleaved() {
    let (a, b) = (Backend::start("a").await, Backend::start("b").await);
    let pool = Pool::new(vec![a.member().weight(3), b.member()], Balance::Weighted);
    let mut names = Vec::new();
    for _ in 0..40 {
        names.push(who(&pool).await.unwrap());
    }
    assert_eq!(names.iter().filter(|n| *n == "a").count(), 30);
    assert_eq!(names.iter().filter(|n| *n == "b").count(), 10);
    // Smooth: b comes at least every fourth connect, never a burst of a.
    assert!(
        names.windows(4).all(|w| w.iter().any(|n| n == "b")),
        "{names:?}"
    );
}

#[tokio::test]
async fn failover_uses_the_lowest_priority_group_and_moves_up_only_when_it_is_down() {
    let mut a = Backend::start("a").await;
    let (b, c) = (Backend::start("b").await, Backend::start("c").await);
    let pool = Pool::new(
        vec![b.member().priority(1), a.member(), c.member().priority(1)],
        Balance::Failover,
    );
    let seen = tally(&pool, 6).await;
    assert_eq!(count(&seen, "a"), 6, "{seen:?}");

    a.kill().await;
    // Never a refusal: the next group answers, round-robin inside it.
    let seen = tally(&pool, 6).await;
    assert_eq!([count(&seen, "b"), count(&seen, "c")], [3, 3], "{seen:?}");
    let a_status = &pool.members()[1];
    assert!(!a_status.up, "three refusals mark a down: {a_status:?}");

    a.revive().await;
    // Back after its back-off (1 s by default): the first connect after it probes a.
    let started = Instant::now();
    loop {
        if who(&pool).await.unwrap() == "a" {
            break;
        }
        assert!(started.elapsed() < SAFETY, "a never got traffic back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(pool.members()[1].up);
}

#[tokio::test]
async fn least_connections_picks_the_member_with_fewest_open() {
    let (_backends, pool) = three(Balance::LeastConnections).await;
    let mut open = Vec::new();
    let mut names = Vec::new();
    for _ in 0..3 {
        let mut connection = pool.connect().await.unwrap();
        let mut name = String::new();
        connection.read_to_string(&mut name).await.unwrap();
        names.push(name);
        open.push(connection); // kept open: still counted
    }
    names.sort();
    assert_eq!(names, ["a", "b", "c"]);
    assert!(pool.members().iter().all(|m| m.active == 1));

    // The one whose connection ended is the only one with none open: it gets the next ones.
    let ended = open.remove(1);
    let whose = ended.info().get::<Upstream>().unwrap().description();
    drop(ended);
    for _ in 0..3 {
        let connection = pool.connect().await.unwrap();
        assert_eq!(
            connection.info().get::<Upstream>().unwrap().description(),
            whose
        );
    }
}

#[tokio::test]
async fn least_connections_weighs_capacity() {
    let (a, b) = (Backend::start("a").await, Backend::start("b").await);
    let pool = Pool::new(
        vec![a.member().weight(2), b.member()],
        Balance::LeastConnections,
    );
    let mut open = Vec::new();
    for _ in 0..6 {
        open.push(pool.connect().await.unwrap());
    }
    let active: Vec<usize> = pool.members().iter().map(|m| m.active).collect();
    assert_eq!(active, [4, 2]);
}

#[tokio::test]
async fn a_connection_through_the_pool_stays_a_plain_socket_and_counts_out_when_dropped() {
    let a = Backend::start("a").await;
    let pool = Pool::new(vec![a.member()], Balance::RoundRobin);
    let connection = pool.connect().await.unwrap();
    assert!(
        connection.is_plain_socket(),
        "the pool must not wrap the I/O"
    );
    assert_eq!(pool.members()[0].active, 1);
    let (_socket, info) = connection.into_plain_socket().unwrap();
    assert_eq!(
        pool.members()[0].active,
        1,
        "the guard travels with the info"
    );
    drop(info);
    assert_eq!(pool.members()[0].active, 0);
    assert_eq!(pool.members()[0].connects, 1);
}

#[tokio::test]
async fn every_member_failing_names_each_and_keeps_the_os_reason() {
    let (one, two) = (dead_port().await, dead_port().await);
    let pool = Pool::new(
        vec![Member::new(endpoint(one)), Member::new(endpoint(two))],
        Balance::RoundRobin,
    );
    let error = pool.connect().await.unwrap_err();
    assert_eq!(
        error.io_kind(),
        Some(io::ErrorKind::ConnectionRefused),
        "{error}"
    );
    assert!(error.raw_os_error().is_some(), "{error:?}");
    let text = error.to_string();
    assert!(text.contains(&format!("tcp:127.0.0.1:{one}")), "{text}");
    assert!(text.contains(&format!("tcp:127.0.0.1:{two}")), "{text}");
    assert!(text.starts_with("could not connect to any of"), "{text}");
}

#[tokio::test]
async fn an_empty_pool_says_so() {
    let pool = Pool::new(Vec::new(), Balance::RoundRobin);
    let error = pool.connect().await.unwrap_err();
    assert_eq!(
        error.io_kind(),
        Some(io::ErrorKind::NotConnected),
        "{error}"
    );
}

#[tokio::test]
async fn when_every_member_is_down_a_connect_tries_them_anyway() {
    let mut a = Backend::start("a").await;
    let mut b = Backend::start("b").await;
    let pool = Pool::new(vec![a.member(), b.member()], Balance::RoundRobin)
        .with_health(Health::default().backoff(Duration::from_secs(60), Duration::from_secs(60)));
    a.kill().await;
    b.kill().await;
    for _ in 0..3 {
        assert!(pool.connect().await.is_err());
    }
    assert!(pool.members().iter().all(|m| !m.up), "{:?}", pool.members());
    b.revive().await;
    // Both down for a minute, yet b answers at once.
    assert_eq!(who(&pool).await.unwrap(), "b");
    assert!(pool.members()[1].up);
}

#[tokio::test]
async fn a_member_killed_loses_its_traffic_within_one_health_interval_and_gets_it_back() {
    let interval = Duration::from_millis(300);
    let (mut backends, pool) = three(Balance::RoundRobin).await;
    let pool = pool.with_health(Health::default().check(interval, Duration::from_secs(2)));
    let seen = tally(&pool, 9).await;
    assert_eq!(count(&seen, "b"), 3);

    backends[1].kill().await;
    let killed = Instant::now();
    // The active check marks b down with no traffic at all.
    while pool.members()[1].up {
        assert!(killed.elapsed() < SAFETY, "b never marked down");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let down_after = killed.elapsed();
    eprintln!("marked down {down_after:?} after the kill (interval {interval:?})");
    assert!(down_after < interval * 4, "down after {down_after:?}");
    // No client error, and only a and c answer.
    let seen = tally(&pool, 20).await;
    assert_eq!(count(&seen, "a") + count(&seen, "c"), 20, "{seen:?}");

    backends[1].revive().await;
    let revived = Instant::now();
    loop {
        if who(&pool).await.unwrap() == "b" {
            break;
        }
        assert!(revived.elapsed() < SAFETY, "b never got traffic back");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    eprintln!("traffic back {:?} after the revival", revived.elapsed());
    let seen = tally(&pool, 9).await;
    assert_eq!(count(&seen, "b"), 3, "{seen:?}");
}

#[tokio::test]
async fn a_watched_pool_keeps_the_state_of_members_that_stay() {
    let a = Backend::start("a").await;
    let b = Backend::start("b").await;
    let dead = dead_port().await;
    let (update, members) =
        tokio::sync::watch::channel(vec![Member::new(endpoint(dead)), a.member()]);
    let pool = Pool::watching(members, Balance::RoundRobin);
    for _ in 0..6 {
        assert_eq!(who(&pool).await.unwrap(), "a");
    }
    let before = pool.members();
    assert!(!before[0].up && before[0].failures == 3, "{before:?}");

    // Same dead member (a new endpoint value with the same description), a moved, b added.
    update
        .send(vec![
            b.member(),
            a.member().weight(2),
            Member::new(endpoint(dead)),
        ])
        .unwrap();
    let after = pool.members();
    assert_eq!(after.len(), 3);
    assert_eq!((after[2].up, after[2].failures), (false, 3), "{after:?}");
    assert_eq!((after[1].connects, after[1].weight), (6, 2), "{after:?}");
    assert_eq!(after[0].connects, 0);
    let seen = tally(&pool, 4).await;
    assert_eq!([count(&seen, "a"), count(&seen, "b")], [2, 2], "{seen:?}");

    update.send(vec![b.member()]).unwrap();
    assert_eq!(tally(&pool, 3).await.get("b"), Some(&3));
}

/// Records the origin its connect saw, then connects like the endpoint it wraps.
#[derive(Debug)]
struct Witness {
    inner: Arc<dyn ClientEndpoint>,
    saw: Arc<Mutex<Vec<Option<Address>>>>,
}

impl std::fmt::Display for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl ClientEndpoint for Witness {
    fn connect(&self) -> BoxFuture<'_, endpoint_core::Result<Connection>> {
        self.saw
            .lock()
            .unwrap()
            .push(Origin::current().map(|o| o.peer().clone()));
        self.inner.connect()
    }

    fn description(&self) -> Description {
        self.inner.description()
    }
}

#[tokio::test]
async fn the_origin_reaches_every_member_tried() {
    let a = Backend::start("a").await;
    let saw = Arc::new(Mutex::new(Vec::new()));
    let witness = |inner| -> Arc<dyn ClientEndpoint> {
        Arc::new(Witness {
            inner,
            saw: Arc::clone(&saw),
        })
    };
    let pool = Pool::new(
        vec![
            Member::new(witness(endpoint(dead_port().await))),
            Member::new(witness(endpoint(a.address.port()))),
        ],
        Balance::Failover,
    );
    let peer = Address::Other("the client".into());
    let origin = Origin::new(ConnectionInfo::new(
        "test",
        Address::Other("here".into()),
        peer.clone(),
    ));
    pool.connect_for(&origin).await.unwrap();
    assert_eq!(*saw.lock().unwrap(), [Some(peer.clone()), Some(peer)]);
}

#[test]
fn the_description_is_the_members_merged() {
    let pool = Pool::new(
        vec![Member::new(endpoint(1)), Member::new(endpoint(2))],
        Balance::RoundRobin,
    );
    assert_eq!(
        pool.to_string(),
        "tcp:127.0.0.1:1:timeout=30, tcp:127.0.0.1:2:timeout=30"
    );
    assert_eq!(pool.description().merged_parts().len(), 2);
    assert_eq!(pool.authority(), None);
}

#[tokio::test]
async fn a_health_check_goes_through_the_member_s_layers() {
    // Linking endpoint-tls registers `tls:`.
    use endpoint_tls as _;
    let a = Backend::start("a").await;
    // b accepts TCP but speaks no TLS: a bare connect would call it healthy.
    let b = Backend::start("b").await;
    let tls_b =
        endpoint_core::client_from_string(&format!("tls:127.0.0.1:{}", b.address.port())).unwrap();
    let pool = Pool::new(vec![a.member(), Member::new(tls_b)], Balance::RoundRobin)
        .with_health(Health::default().check(Duration::from_millis(100), Duration::from_secs(2)));
    let started = Instant::now();
    // No traffic: the probe alone finds that b's TLS handshake fails.
    while pool.members()[1].up {
        assert!(
            started.elapsed() < SAFETY,
            "the TLS member was never marked down"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(pool.members()[0].up, "{:?}", pool.members());
    assert_eq!(tally(&pool, 4).await.get("a"), Some(&4));
}

/// A loopback listener that drops connection attempts, as a host that went silent does: its
/// accept queue (backlog 1) is filled and never drained. Keep the listener and the fillers.
async fn silent_port() -> (u16, Vec<std::net::TcpStream>, TcpListener) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let address = listener.local_addr().unwrap();
    let fillers = tokio::task::spawn_blocking(move || {
        let mut fillers = Vec::new();
        // Fill the accept queue until an attempt goes unanswered.
        loop {
            match std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200)) {
                Ok(stream) => fillers.push(stream),
                Err(e) if e.kind() == io::ErrorKind::TimedOut => break,
                Err(e) => panic!("filling the accept queue: {e}"),
            }
            assert!(fillers.len() < 64, "the accept queue never filled");
        }
        fillers
    })
    .await
    .unwrap();
    (address.port(), fillers, listener)
}

#[tokio::test]
async fn a_silent_member_costs_a_client_at_most_the_connect_timeout() {
    let a = Backend::start("a").await;
    let (silent, _fillers, _listener) = silent_port().await;
    // The silent member's own timeout is tcp's 30 s; the pool gives each attempt 300 ms.
    let pool = Pool::new(
        vec![Member::new(endpoint(silent)), a.member()],
        Balance::Failover,
    )
    .with_health(Health::default().connect_timeout(Duration::from_millis(300)));
    let started = Instant::now();
    assert_eq!(who(&pool).await.unwrap(), "a");
    let took = started.elapsed();
    eprintln!("a client behind a silent member waited {took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(pool.members()[0].consecutive_failures, 1);
}
