//! The TLS ClientHello reader of the `sni` layer (record framing, handshake reassembly,
//! `server_name` and ALPN; hand-written). The first byte picks a piece size (low six bits)
//! and the bound on the hello (high two bits: 16 KiB, 4 KiB, 512 or 64 bytes); the other
//! bytes are what the client sends.
//!
//! Checked: nothing panics; the outcome does not depend on how the bytes arrive (all at once,
//! one byte at a time, or in pieces of the chosen size give the same name and protocols);
//! the bytes handed back for replay are the input's own, from its start, and cover the
//! records read; an accepted name is lowercase, non-empty, at most 253 bytes of letters,
//! digits, `-`, `_` and `.`; the hello is no larger than the bound allows.
#![no_main]

use endpoints_fuzz::read_hello;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let max = [16 * 1024, 4096, 512, 64][usize::from(selector >> 6)];
    let size = usize::from(selector & 63).max(1);
    let whole = read_hello(input, max, &[]);
    let bytes = read_hello(input, max, &vec![1; input.len()]);
    let pieces = read_hello(input, max, &vec![size; input.len() / size + 1]);
    match (&whole, &bytes, &pieces) {
        (Ok((a, read_a)), Ok((b, read_b)), Ok((c, read_c))) => {
            assert_eq!(a, b, "whole vs byte by byte");
            assert_eq!(a, c, "whole vs pieces of {size}");
            for read in [read_a, read_b, read_c] {
                assert!(input.starts_with(read), "replayed bytes are not the input's start");
            }
            // Byte by byte stops at the hello's last byte: the records read.
            assert!(read_b.len() <= read_a.len() && read_b.len() <= read_c.len());
            assert!(read_b.len() <= 2 * max, "{} bytes read for a bound of {max}", read_b.len());
            if let Some(name) = &a.server_name {
                assert!(!name.is_empty() && name.len() <= 253, "{name:?}");
                assert!(
                    name.bytes().all(|b| b.is_ascii_lowercase()
                        || b.is_ascii_digit()
                        || matches!(b, b'-' | b'_' | b'.')),
                    "{name:?}"
                );
            }
            assert!(a.alpn.iter().all(|p| !p.is_empty()));
        }
        (Err(_), Err(_), Err(_)) => {}
        _ => panic!("the outcome depends on the pieces: {whole:?} / {bytes:?} / {pieces:?}"),
    }
});
