//! Descriptions as clap arguments (the `clap` feature): typed fields parse with the linked
//! kinds, bad strings fail with the library's message and caret, help lists the kinds.
#![cfg(feature = "clap")]

use clap::Parser;
use endpoints::clap::{kinds_help, ClientValueParser};
use endpoints::{ClientDescription, Registry, ServerDescription, Side};

#[derive(Debug, Parser)]
struct Args {
    /// Where to listen.
    #[arg(long, value_name = "DESCRIPTION", default_value = "tcp:0",
          long_help = endpoints::clap::help("Where to listen.", Side::Server))]
    listen: ServerDescription,
    /// Where to connect (tcp only).
    #[arg(long, value_name = "DESCRIPTION",
          value_parser = ClientValueParser::with_registry(tcp_only()))]
    connect: Option<ClientDescription>,
}

fn tcp_only() -> Registry {
    let mut registry = Registry::global().clone();
    registry.allow_only(&["tcp"]);
    registry
}

#[test]
fn typed_fields_parse_with_the_linked_kinds() -> Result<(), clap::Error> {
    let args = Args::try_parse_from([
        "app",
        "--listen",
        "unix:/tmp/app.sock",
        "--connect",
        "tcp:localhost:80",
    ])?;
    assert!(args.listen.to_string().starts_with("unix:/tmp/app.sock:"));
    let connect = args.connect.expect("given");
    assert_eq!(connect.to_string(), "tcp:localhost:80:timeout=30");
    // The default goes through the same parser.
    let args = Args::try_parse_from(["app"])?;
    assert_eq!(args.listen.to_string(), "tcp:0:interface=:backlog=50");
    Ok(())
}

#[test]
fn a_bad_description_is_the_librarys_error_with_a_caret() {
    let error = Args::try_parse_from(["app", "--listen", "tcp:80:bakclog=3"]).unwrap_err();
    assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation);
    assert_eq!(error.exit_code(), 2);
    let message = error.to_string();
    assert!(
        message.starts_with(
            "error: invalid value for '--listen <DESCRIPTION>': option \"bakclog\" of tcp"
        ),
        "{message}"
    );
    assert!(message.contains("did you mean \"backlog\"?"), "{message}");
    assert!(
        message.contains("\n  tcp:80:bakclog=3\n         ^\n"),
        "{message}"
    );
}

#[test]
fn a_value_parser_with_its_own_registry_keeps_to_it() {
    let error = Args::try_parse_from(["app", "--connect", "unix:/tmp/app.sock"]).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("unknown client endpoint kind \"unix\""),
        "{error}"
    );
}

#[test]
fn help_lists_the_kinds() {
    let server = kinds_help(Side::Server);
    let first = server.lines().next().unwrap_or_default();
    let kinds: Vec<&str> = first
        .strip_prefix("Kinds: ")
        .unwrap_or_default()
        .split(", ")
        .collect();
    for kind in [
        "ssl", "stdio", "systemd", "tcp", "tcp6", "tls", "unix", "ws", "wss",
    ] {
        assert!(kinds.contains(&kind), "{kind}: {server}");
    }
    assert!(
        server.contains("\nLayers (LAYER+DESCRIPTION): haproxy+, sni+, tls+, ws+"),
        "{server}"
    );
    assert!(server.contains("\nURL forms: ws://, wss://"), "{server}");
    let client = kinds_help(Side::Client);
    assert!(!client.contains("tcp6"), "{client}");
    // haproxy+ is a layer on both sides: it reads PROXY headers, or sends them.
    assert!(client.contains("haproxy+"), "{client}");

    let mut command = <Args as clap::CommandFactory>::command();
    let long = command.render_long_help().to_string();
    assert!(long.contains("Where to listen.\n"), "{long}");
    assert!(long.contains("Kinds: "), "{long}");
    let short = command.render_help().to_string();
    assert!(!short.contains("Kinds: "), "{short}");
}
