//! `socks5+` against microsocks and `httpconnect+` against tinyproxy, independent proxies, as
//! one table: echo with and without credentials, missing and bad credentials, a refused
//! target, a forbidden port, an IPv6 target, a name resolved by the proxy or locally.

mod support;

use std::io::ErrorKind;
use std::net::SocketAddr;

use endpoint_proxy::{ProxiedThrough, ProxyProblem, Stage};
use endpoint_testkit::{require_tool, tcp_echo_server_on};
use endpoints::{Address, Registry};
use support::*;

/// Which proxy a case runs against.
#[derive(Clone, Copy, Debug)]
enum Through {
    /// microsocks, with `socks5+`.
    Socks5,
    /// tinyproxy, with `httpconnect+`.
    HttpConnect,
}

/// Where a case connects to.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// An echo server on this loopback address (the proxy may connect there).
    Echo(&'static str),
    /// A closed port on 127.0.0.1 (tinyproxy may connect there).
    Closed,
    /// An echo server on 127.0.0.1 that tinyproxy may not CONNECT to (it allows only a
    /// closed port).
    Forbidden,
}

/// What the peer address of a proxied connection is.
#[derive(Clone, Copy, Debug)]
enum Peer {
    /// The target's socket address.
    Target,
    /// The name as written (`host:port`, resolved by the proxy).
    Name,
    /// Some IP address (resolved locally).
    AnyInet,
}

/// What a case expects.
enum Expect {
    /// Bytes round-trip, and the connection says where it went.
    Echo {
        peer: Peer,
        /// Check the stack, `ProxiedThrough`'s protocol and that the socket stays plain;
        /// with `Some(true)` also the proxy's address and the bound address.
        details: Option<bool>,
    },
    /// `connect` fails, saying so.
    Fails(Failure),
}

/// How a case fails.
struct Failure {
    kind: Option<ErrorKind>,
    stage: Option<Stage>,
    problem: fn(&ProxyProblem) -> bool,
    /// Whether the cause names the proxy's address.
    names_proxy: bool,
    /// Texts the cause's message holds, and a text it starts with.
    says: &'static [&'static str],
    starts: Option<&'static str>,
    /// How the error's message starts.
    error_starts: Option<&'static str>,
    /// A secret neither message may show.
    hides: Option<&'static str>,
}

/// Checks nothing: each case says what it checks, the rest from here.
const FAILURE: Failure = Failure {
    kind: None,
    stage: None,
    problem: |_| true,
    names_proxy: false,
    says: &[],
    starts: None,
    error_starts: None,
    hides: None,
};

struct Case {
    name: &'static str,
    through: Through,
    /// The proxy asks for `alice` / `s3cret`.
    auth: bool,
    target: Target,
    /// Written instead of the target's address (`localhost`).
    host: Option<&'static str>,
    /// Appended to the description.
    options: &'static str,
    expect: Expect,
}

const ECHO: Expect = Expect::Echo {
    peer: Peer::Target,
    details: None,
};

fn cases() -> Vec<Case> {
    use Through::*;
    vec![
        Case {
            name: "socks5 echo without authentication",
            through: Socks5,
            auth: false,
            target: Target::Echo("127.0.0.1"),
            host: None,
            options: "",
            expect: Expect::Echo {
                peer: Peer::Target,
                details: Some(true),
            },
        },
        Case {
            name: "socks5: the proxy resolves the name",
            through: Socks5,
            auth: false,
            target: Target::Echo("127.0.0.1"),
            host: Some("localhost"),
            options: ":resolve=remote",
            expect: Expect::Echo {
                peer: Peer::Name,
                details: None,
            },
        },
        Case {
            name: "socks5: the name is resolved locally",
            through: Socks5,
            auth: false,
            target: Target::Echo("127.0.0.1"),
            host: Some("localhost"),
            options: ":resolve=local",
            expect: Expect::Echo {
                peer: Peer::AnyInet,
                details: None,
            },
        },
        Case {
            name: "socks5 to an IPv6 target",
            through: Socks5,
            auth: false,
            target: Target::Echo("::1"),
            host: None,
            options: "",
            expect: ECHO,
        },
        Case {
            name: "socks5 with a user and password",
            through: Socks5,
            auth: true,
            target: Target::Echo("127.0.0.1"),
            host: None,
            options: ":user=alice:password=s3cret",
            expect: ECHO,
        },
        Case {
            name: "socks5 without the credentials the proxy wants",
            through: Socks5,
            auth: true,
            target: Target::Echo("127.0.0.1"),
            host: None,
            options: "",
            expect: Expect::Fails(Failure {
                kind: Some(ErrorKind::PermissionDenied),
                stage: Some(Stage::Greeting),
                problem: |p| matches!(p, ProxyProblem::NoAcceptableMethod { .. }),
                ..FAILURE
            }),
        },
        Case {
            name: "socks5 with a bad password",
            through: Socks5,
            auth: true,
            target: Target::Echo("127.0.0.1"),
            host: None,
            options: ":user=alice:password=wrong",
            expect: Expect::Fails(Failure {
                kind: Some(ErrorKind::PermissionDenied),
                stage: Some(Stage::Auth),
                problem: |p| *p == ProxyProblem::BadCredentials,
                names_proxy: true,
                says: &["rejected the user name and password"],
                starts: Some("auth with socks5 proxy"),
                hides: Some("wrong"),
                ..FAILURE
            }),
        },
        Case {
            name: "socks5 to a refused target",
            through: Socks5,
            auth: false,
            target: Target::Closed,
            host: None,
            options: "",
            expect: Expect::Fails(Failure {
                kind: Some(ErrorKind::ConnectionRefused),
                stage: Some(Stage::ConnectRequest),
                problem: |p| *p == ProxyProblem::Reply { code: 5 },
                names_proxy: true,
                says: &["refused"],
                error_starts: Some("could not connect through \"socks5+tcp:"),
                ..FAILURE
            }),
        },
        Case {
            name: "httpconnect echo",
            through: HttpConnect,
            auth: false,
            target: Target::Echo("127.0.0.1"),
            host: None,
            options: "",
            expect: Expect::Echo {
                peer: Peer::Target,
                details: Some(false),
            },
        },
        Case {
            name: "httpconnect to an IPv6 target",
            through: HttpConnect,
            auth: false,
            target: Target::Echo("::1"),
            host: None,
            options: "",
            expect: ECHO,
        },
        Case {
            name: "httpconnect with Basic credentials",
            through: HttpConnect,
            auth: true,
            target: Target::Echo("127.0.0.1"),
            host: None,
            options: ":user=alice:password=s3cret",
            expect: ECHO,
        },
        Case {
            name: "httpconnect: a 407 without credentials",
            through: HttpConnect,
            auth: true,
            target: Target::Echo("127.0.0.1"),
            host: None,
            options: "",
            expect: Expect::Fails(Failure {
                kind: Some(ErrorKind::PermissionDenied),
                stage: Some(Stage::Auth),
                problem: |p| *p == ProxyProblem::CredentialsRequired,
                ..FAILURE
            }),
        },
        Case {
            name: "httpconnect with a bad password",
            through: HttpConnect,
            auth: true,
            target: Target::Echo("127.0.0.1"),
            host: None,
            options: ":user=alice:password=wrong",
            expect: Expect::Fails(Failure {
                stage: Some(Stage::Auth),
                problem: |p| *p == ProxyProblem::BadCredentials,
                names_proxy: true,
                hides: Some("wrong"),
                ..FAILURE
            }),
        },
        Case {
            name: "httpconnect to a refused target",
            through: HttpConnect,
            auth: false,
            target: Target::Closed,
            host: None,
            options: "",
            expect: Expect::Fails(Failure {
                stage: Some(Stage::ConnectRequest),
                problem: |p| matches!(p, ProxyProblem::Status { code, .. } if *code >= 500),
                names_proxy: true,
                ..FAILURE
            }),
        },
        Case {
            name: "httpconnect to a port the proxy forbids",
            through: HttpConnect,
            auth: false,
            target: Target::Forbidden,
            host: None,
            options: "",
            expect: Expect::Fails(Failure {
                kind: Some(ErrorKind::PermissionDenied),
                problem: |p| matches!(p, ProxyProblem::Status { code: 403, .. }),
                ..FAILURE
            }),
        },
    ]
}

/// Runs one case; the test's message names the case on failure.
async fn run(case: &Case) -> TestResult {
    let (tool, protocol) = match case.through {
        Through::Socks5 => ("microsocks", "socks5"),
        Through::HttpConnect => ("tinyproxy", "httpconnect"),
    };
    let Some(binary) = require_tool(tool) else {
        return Ok(());
    };
    let echo = match case.target {
        Target::Echo(ip) => Some(tcp_echo_server_on(ip.parse()?).await?),
        Target::Forbidden => Some(tcp_echo_server_on("127.0.0.1".parse()?).await?),
        Target::Closed => None,
    };
    let closed = closed_port().await;
    let target: SocketAddr = match &echo {
        Some(server) => server.address(),
        None => ([127, 0, 0, 1], closed).into(),
    };
    let credentials = case.auth.then_some(("alice", "s3cret"));
    let proxy = match case.through {
        Through::Socks5 => microsocks(&binary, credentials).await?,
        Through::HttpConnect => {
            let allowed = match case.target {
                Target::Echo(_) => target.port(),
                Target::Closed | Target::Forbidden => closed,
            };
            tinyproxy(&binary, &[allowed], credentials).await?
        }
    };
    let host = match (case.host, target) {
        (Some(host), _) => host.to_owned(),
        (None, SocketAddr::V6(v6)) => format!("[{}]", v6.ip()),
        (None, SocketAddr::V4(v4)) => v4.ip().to_string(),
    };
    let text = format!(
        "{protocol}+tcp:{host}:{}:proxy={}{}",
        target.port(),
        proxy.description(),
        case.options
    );
    let client = Registry::global().client(&text)?;
    let proxy_address = format!("127.0.0.1:{}", proxy.port);
    match &case.expect {
        Expect::Echo { peer, details } => {
            let mut connection = client.connect().await?;
            round_trip(&mut connection, case.name.as_bytes()).await?;
            match peer {
                Peer::Target => assert_eq!(connection.peer_address(), &Address::Inet(target)),
                Peer::Name => assert_eq!(
                    connection.peer_address(),
                    &Address::Other(format!("{host}:{}", target.port()))
                ),
                Peer::AnyInet => assert!(connection.peer_address().as_inet().is_some()),
            }
            if let Some(socks) = details {
                // The proxy is kept aside; the bytes are still a plain socket's.
                assert_eq!(connection.info().stack, ["tcp", protocol]);
                let through = connection
                    .info()
                    .get::<ProxiedThrough>()
                    .ok_or("no ProxiedThrough")?;
                assert_eq!(through.protocol, protocol);
                if *socks {
                    assert_eq!(
                        through.proxy_address,
                        Address::Inet(([127, 0, 0, 1], proxy.port).into())
                    );
                    assert!(through.bound.is_some());
                }
                assert!(connection.is_plain_socket());
            }
        }
        Expect::Fails(Failure {
            kind,
            stage,
            problem,
            names_proxy,
            says,
            starts,
            error_starts,
            hides,
        }) => {
            let error = client.connect().await.unwrap_err();
            if let Some(kind) = kind {
                assert_eq!(error.io_kind(), Some(*kind), "{error}");
            }
            let cause = proxy_error(&error);
            if let Some(stage) = stage {
                assert_eq!(cause.stage, *stage, "{cause}");
            }
            assert!(problem(&cause.problem), "{cause}: {:?}", cause.problem);
            let message = cause.to_string();
            if *names_proxy {
                assert!(message.contains(&proxy_address), "{message}");
            }
            for text in *says {
                assert!(message.contains(text), "{message}");
            }
            if let Some(start) = starts {
                assert!(message.starts_with(start), "{message}");
            }
            if let Some(start) = error_starts {
                assert!(error.to_string().starts_with(start), "{error}");
            }
            if let Some(secret) = hides {
                assert!(!error.to_string().contains(secret), "{error}");
                assert!(!message.contains(secret), "{message}");
            }
        }
    }
    Ok(())
}

#[tokio::test]
async fn each_case_against_an_independent_proxy() -> TestResult {
    let mut failed = Vec::new();
    for case in cases() {
        let name = case.name;
        // A task of its own, so that a failed assertion names its case and the others run.
        let outcome = tokio::spawn(async move { run(&case).await.map_err(|e| e.to_string()) });
        match outcome.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => failed.push(format!("{name}: {error}")),
            Err(panic) => failed.push(format!("{name}: {panic}")),
        }
    }
    assert!(failed.is_empty(), "failed cases:\n{}", failed.join("\n"));
    Ok(())
}

#[tokio::test]
async fn bytes_sent_with_the_answer_come_first_and_the_socket_stays_plain() -> TestResult {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A toy proxy that puts the target's first bytes in the same segment as its answer.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await?;
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(stream.read_u8().await?);
        }
        stream
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\nbanner\n")
            .await?;
        let mut buf = [0u8; 4];
        stream.read_exact(&mut buf).await?;
        stream.write_all(&buf).await?;
        std::io::Result::Ok(())
    });
    let text = format!(r"httpconnect+tcp:example.com:22:proxy=tcp\:127.0.0.1\:{port}");
    let mut connection = Registry::global().client(&text)?.connect().await?;
    assert!(connection.is_plain_socket());
    let mut banner = [0u8; 7];
    connection.read_exact(&mut banner).await?;
    assert_eq!(&banner, b"banner\n");
    round_trip(&mut connection, b"ping").await?;
    assert_eq!(
        connection.peer_address(),
        &Address::Other("example.com:22".into())
    );
    Ok(())
}
