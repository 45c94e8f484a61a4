//! The declared `rust-version` is honest: it is exactly the newest `rust-version` any locked
//! dependency declares (all features, every platform, dev and build dependencies too), as
//! `cargo metadata` reports them. A dependency update that needs a newer compiler fails here
//! until the workspace's `rust-version` is raised to match.
//!
//! What this cannot see: our own code using a std API newer than that (clippy's
//! `incompatible_msrv` lint covers std APIs), or a dependency that needs more than it declares.
//! Only a build with that exact toolchain proves it.

use std::process::Command;

use endpoint_testkit::TestResult;

/// `1.88`, `1.88.0` → `(1, 88, 0)`.
fn parse(version: &str) -> Result<(u64, u64, u64), String> {
    let mut parts = version.split('.').map(str::parse::<u64>);
    let mut next = || {
        parts
            .next()
            .transpose()
            .map_err(|e| format!("{version:?}: {e}"))
    };
    Ok((
        next()?.ok_or("empty")?,
        next()?.unwrap_or(0),
        next()?.unwrap_or(0),
    ))
}

#[test]
fn rust_version_is_what_the_locked_dependencies_need() -> TestResult {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--all-features",
            "--locked",
        ])
        .args(["--manifest-path", manifest])
        .output()?;
    assert!(
        output.status.success(),
        "cargo metadata failed (it reads every locked package's manifest, so it may need to \
         download those of other platforms once): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .ok_or("no workspace_members")?
        .iter()
        .filter_map(|m| m.as_str())
        .collect();

    let mut declared = Vec::new();
    let mut needed = Vec::new();
    for package in metadata["packages"].as_array().ok_or("no packages")? {
        let name = package["name"].as_str().unwrap_or("?");
        let version = package["version"].as_str().unwrap_or("?");
        let Some(rust_version) = package["rust_version"].as_str() else {
            continue;
        };
        let at = (parse(rust_version)?, format!("{name} {version}"));
        if members.contains(&package["id"].as_str().unwrap_or("")) {
            declared.push(at);
        } else {
            needed.push(at);
        }
    }

    assert_eq!(
        declared.len(),
        members.len(),
        "every member declares one: {declared:?}"
    );
    let ours = declared[0].0;
    assert!(
        declared.iter().all(|(v, _)| *v == ours),
        "the members disagree: {declared:?}"
    );
    let newest = needed
        .iter()
        .map(|(v, _)| *v)
        .max()
        .ok_or("no dependencies")?;
    let too_new: Vec<_> = needed.iter().filter(|(v, _)| *v > ours).collect();
    assert!(
        too_new.is_empty(),
        "rust-version {ours:?} is older than these locked dependencies need: {too_new:?}"
    );
    let needing: Vec<_> = needed.iter().filter(|(v, _)| *v == newest).collect();
    assert_eq!(
        ours, newest,
        "rust-version {ours:?} is newer than any locked dependency needs (newest: {needing:?}); \
         lower it, or say here what in our own code needs it"
    );
    Ok(())
}
