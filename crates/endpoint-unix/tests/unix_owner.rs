//! `owner=` and `group=` beside `mode=`: the socket file is `chown`ed after binding, checked
//! with `std::fs::metadata`; an unknown name fails the bind and says which.

use std::error::Error;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use endpoint_core::description::quote;
use endpoint_core::Registry;
use endpoint_testkit::TestResult;

use endpoint_unix as _;

/// A group the current user is in: a supplementary one other than the primary group if there
/// is one, so the test changes something, else the primary group.
fn one_of_our_groups() -> u32 {
    // SAFETY: getegid cannot fail; getgroups with a buffer of the size it was given.
    let primary = unsafe { libc::getegid() };
    let mut groups = vec![0 as libc::gid_t; 256];
    let n = unsafe { libc::getgroups(groups.len() as libc::c_int, groups.as_mut_ptr()) };
    groups.truncate(usize::try_from(n).unwrap_or(0));
    groups
        .into_iter()
        .find(|g| *g != primary)
        .unwrap_or(primary)
}

fn current_user_name() -> TestResult<String> {
    let output = std::process::Command::new("id").arg("-un").output()?;
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

#[tokio::test]
async fn numeric_owner_and_group_with_mode() -> TestResult {
    // SAFETY: geteuid cannot fail.
    let uid = unsafe { libc::geteuid() };
    let gid = one_of_our_groups();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("owned.sock");
    let text = quote(&path.to_string_lossy());
    let server =
        Registry::global().server(&format!("unix:{text}:mode=660:owner={uid}:group={gid}"))?;
    assert!(server
        .to_string()
        .ends_with(&format!(":owner={uid}:group={gid}")));
    let listener = server.bind().await?;
    let meta = std::fs::metadata(&path)?;
    assert_eq!((meta.uid(), meta.gid()), (uid, gid));
    assert_eq!(meta.permissions().mode() & 0o7777, 0o660);
    drop(listener);
    assert!(!path.exists());
    Ok(())
}

#[tokio::test]
async fn owner_by_name() -> TestResult {
    // SAFETY: geteuid cannot fail.
    let uid = unsafe { libc::geteuid() };
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("named.sock");
    let text = quote(&path.to_string_lossy());
    let name = current_user_name()?;
    let server = Registry::global().server(&format!("unix:{text}:owner={name}"))?;
    let _listener = server.bind().await?;
    assert_eq!(std::fs::metadata(&path)?.uid(), uid);
    Ok(())
}

#[tokio::test]
async fn an_unknown_user_fails_the_bind_and_leaves_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nobody.sock");
    let text = quote(&path.to_string_lossy());
    for (option, what) in [("owner", "user"), ("group", "group")] {
        let server =
            Registry::global().server(&format!("unix:{text}:{option}=no-such-{what}-here"))?;
        let error = server.bind().await.err().ok_or("bound")?;
        let source = error.source().map(ToString::to_string).unwrap_or_default();
        assert!(
            source.contains(&format!("socket file's {option}"))
                && source.contains(&format!("no {what} named \"no-such-{what}-here\"")),
            "{source}"
        );
        assert!(!path.exists(), "the socket file is removed again");
    }
    Ok(())
}

#[test]
fn bad_values_are_option_errors() {
    for (text, option) in [
        ("unix:/x:owner=", "owner"),
        ("unix:/x:group=a\\:b", "group"),
    ] {
        match Registry::global().server(text) {
            Err(endpoint_core::Error::Option { option: o, .. }) => assert_eq!(o, option, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}
