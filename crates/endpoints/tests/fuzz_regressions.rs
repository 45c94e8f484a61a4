//! Inputs the fuzz targets in `fuzz/` found, each kept as a test of what went wrong (the
//! inputs are in the fuzz corpus too). `fuzz/README.md` says how to run the targets.

use endpoint_testkit::TestResult;
use endpoints::{Registry, Side};

/// What the `roundtrip` target checks: `input` parses on `side`, its canonical text parses
/// back and prints the same, and both describe alike.
fn round_trips(side: Side, input: &str) -> TestResult<String> {
    let registry = Registry::global();
    let parse = |text: &str| -> endpoints::Result<String> {
        Ok(match side {
            Side::Server => registry.server(text)?.to_string(),
            Side::Client => registry.client(text)?.to_string(),
        })
    };
    let canonical = parse(input)?;
    assert_eq!(parse(&canonical)?, canonical, "{input}");
    assert_eq!(
        registry.describe(side, input)?,
        registry.describe(side, &canonical)?,
        "{input}"
    );
    Ok(canonical)
}

/// roundtrip: a unix path starting with `//` printed as `unix://...`, which reads back as a
/// URL form (and fails: there is no `unix://`).
#[test]
fn a_path_starting_with_two_slashes_is_not_printed_as_a_url() -> TestResult {
    let canonical = round_trips(Side::Client, "unix:/p:/q:path=//r")?;
    assert_eq!(canonical, r"unix:\//r:timeout=30:lockfile=0");
    round_trips(Side::Server, "unix://run/a.sock")
        .map(|_| ())
        .expect_err("unix://... is a URL form");
    round_trips(Side::Server, r"unix:\//run/a.sock")?;
    round_trips(Side::Server, "haproxy+unix:address=//run/a.sock")?;
    round_trips(Side::Client, "tls+unix:path=//run/a.sock:hostname=h")?;
    round_trips(Side::Client, "exec:program=//bin/cat")?;
    Ok(())
}
