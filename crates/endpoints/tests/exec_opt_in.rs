//! With the facade's default features, no description can run a program: `exec:` is an
//! unknown kind, on its own and nested in another description. (Compiled empty when the
//! `exec` feature is on; `.ci/run` runs this file with the default features.)
#![cfg(not(feature = "exec"))]

use endpoints::{client_from_string, Error};

#[test]
fn exec_is_unknown_with_the_default_features() {
    match client_from_string("exec:/bin/sh:-c:id") {
        Err(Error::UnknownKind { kind, .. }) => assert_eq!(kind, "exec"),
        other => panic!("expected an unknown kind, got {other:?}"),
    }
    let hidden = r"tls:example.com:443:endpoint=exec\:/bin/sh\:-c\:id";
    match client_from_string(hidden) {
        Err(Error::Option { option, reason, .. }) => {
            assert_eq!(option, "endpoint");
            assert!(
                reason.contains("unknown client endpoint kind \"exec\""),
                "{reason}"
            );
        }
        other => panic!("expected the endpoint= error, got {other:?}"),
    }
}

#[test]
fn the_default_features_leave_exec_out() {
    let manifest = include_str!("../Cargo.toml");
    let default = manifest
        .lines()
        .find(|line| line.starts_with("default = "))
        .expect("a default feature list");
    assert!(!default.contains("exec"), "{default}");
}
