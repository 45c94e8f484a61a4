//! The client-host validator (`endpoint_core::description::parse_host`), the one check every
//! kind's host goes through (issue 19). An accepted host is a DNS name or an IP literal:
//! nothing that could end a line or a request-target (no control character, space, `/`, `@`,
//! `%`, ...) gets through; the normalised host is accepted again unchanged; written into a
//! `tcp:` description it reaches the endpoint's authority unchanged and the canonical text is
//! a fixed point. A refused host names a byte at a character boundary of the input.
#![no_main]

use endpoints::core::description::parse_host;
use endpoints::{quote, Registry};
use endpoints_fuzz::check_error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let host = match parse_host(text) {
        Ok(host) => host,
        Err(e) => {
            assert!(
                e.position() <= text.len() && text.is_char_boundary(e.position()),
                "{text:?}: position {} is not a character boundary",
                e.position()
            );
            assert!(
                text.is_empty() || e.reason().contains("byte"),
                "{text:?}: {e}"
            );
            assert!(
                !e.reason().contains(['\r', '\n', '\0']),
                "{text:?}: the reason carries a raw control character: {e:?}"
            );
            return;
        }
    };
    let literal = host.parse::<std::net::IpAddr>().is_ok();
    assert!(
        literal
            || host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c) || !c.is_ascii()),
        "{text:?} accepted as {host:?}"
    );
    assert!(
        !host.chars().any(|c| c.is_control() || c.is_whitespace()),
        "{text:?} accepted as {host:?}"
    );
    assert_eq!(
        parse_host(&host).as_deref(),
        Ok(host.as_str()),
        "{text:?}: the normalised host {host:?} is not accepted unchanged"
    );
    let registry = Registry::global();
    let description = format!("tcp:{}:80", quote(text));
    let endpoint = match registry.client(&description) {
        Ok(endpoint) => endpoint,
        Err(e) => {
            check_error(&e);
            panic!("{text:?} is a host, but {description:?} does not parse: {e}");
        }
    };
    let authority = endpoint.authority().expect("tcp names its host");
    assert_eq!(authority.host(), host, "{description:?}");
    let canonical = endpoint.to_string();
    let again = registry
        .client(&canonical)
        .unwrap_or_else(|e| panic!("{description:?} prints as {canonical:?}: {e}"));
    assert_eq!(again.to_string(), canonical, "{description:?}");
});
