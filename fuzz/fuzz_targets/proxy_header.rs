//! The PROXY protocol v1/v2 header reader of the `haproxy` layer (framing by hand, parsing by
//! `ppp`). The first byte picks the versions accepted (low two bits) and a piece size (the
//! rest); the other bytes are what the proxy sends.
//!
//! Checked: nothing panics, and the outcome does not depend on how the bytes arrive: all at
//! once, one byte at a time, or in pieces of the chosen size give the same header and the
//! same bytes for the application (a refusal may be worded differently: it can be decided
//! on fewer bytes).
#![no_main]

use endpoints_fuzz::read_header;
use endpoint_haproxy::Versions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let versions = match selector & 3 {
        0 => Versions::V1,
        1 => Versions::V2,
        _ => Versions::Any,
    };
    let whole = read_header(input, versions, &[]);
    let bytes = read_header(input, versions, &vec![1; input.len()]);
    let size = usize::from(selector >> 2).max(1);
    let pieces = read_header(input, versions, &vec![size; input.len() / size + 1]);
    match (&whole, &bytes, &pieces) {
        (Ok(a), Ok(b), Ok(c)) => {
            assert_eq!(a, b, "whole vs byte by byte");
            assert_eq!(a, c, "whole vs pieces of {size}");
            let (version, _, rest) = a;
            let signature: &[u8] = if *version == 1 {
                b"PROXY "
            } else {
                b"\r\n\r\n\0\r\nQUIT\n"
            };
            assert!(
                input.starts_with(signature),
                "a v{version} header without its signature"
            );
            assert!(
                input.ends_with(rest),
                "the application's bytes are not the input's tail"
            );
            assert!(
                versions.accepts(*version),
                "v{version} accepted by {versions:?}"
            );
        }
        (Err(_), Err(_), Err(_)) => {}
        _ => panic!("the outcome depends on the pieces: {whole:?} / {bytes:?} / {pieces:?}"),
    }
});
