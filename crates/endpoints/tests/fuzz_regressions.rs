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

/// roundtrip (issue 19 item 16): a bracketed host is an IPv6 literal and nothing else.
/// `tcp:[[:\0:\01]:80` printed as `tcp:[\:\0\:\01:80:timeout=30`, which did not parse back;
/// `tcp:[[:a:b]:80` and `tcp:[a:b]:80` were accepted (hosts `[:a:b` and `a:b`), and
/// `tcp:[[::1]]:80` printed text whose own canonical text differed. All are option errors
/// about `host` now, and a real bracketed literal is a fixed point.
#[test]
fn a_bracketed_host_is_an_ipv6_literal_only() -> TestResult {
    for input in [
        "tcp:[[:\0:\x001]:80",
        "tcp:[[:a:b]:80",
        "tcp:[a:b]:80",
        "tcp:[[::1]]:80",
        "tcp:[::1]]:80",
        "tcp:[example.com]:80",
        "tcp:[]:80",
        "tcp:host=[a\\:b]:port=80",
        "ssl:[a:b]:443",
        "tls:host=[[\\:\\:1]]:port=443",
    ] {
        match Registry::global().client(input) {
            Err(endpoints::Error::Option { option, .. }) => {
                assert_eq!(option, "host", "{input:?}")
            }
            Err(other) => panic!("{input:?}: not an option error: {other}"),
            Ok(endpoint) => panic!("{input:?} is accepted, as {endpoint}"),
        }
    }
    for (input, canonical) in [
        ("tcp:[::1]:80", r"tcp:\:\:1:80:timeout=30"),
        ("tcp:[2001:db8::1]:80", r"tcp:2001\:db8\:\:1:80:timeout=30"),
        (r"tcp:host=[\:\:1]:port=80", r"tcp:\:\:1:80:timeout=30"),
        (r"tcp:\:\:1:80", r"tcp:\:\:1:80:timeout=30"),
    ] {
        assert_eq!(round_trips(Side::Client, input)?, canonical, "{input}");
        assert_eq!(round_trips(Side::Client, canonical)?, canonical, "{input}");
    }
    Ok(())
}
