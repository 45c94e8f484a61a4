//! `Display` -> parse round trips: when a description parses, its canonical text parses
//! again to an endpoint that prints the same text, and `describe` gives the same answer for
//! the description and its canonical text.
#![no_main]

use endpoints::Side;
use endpoints_fuzz::{parse, registry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for side in [Side::Server, Side::Client] {
        let Ok(canonical) = parse(side, text) else {
            continue;
        };
        let again = parse(side, &canonical).unwrap_or_else(|e| {
            panic!("{side} {text:?} prints as {canonical:?}, which does not parse: {e}")
        });
        assert_eq!(
            again, canonical,
            "{side} {text:?}: its canonical text prints differently once parsed"
        );
        let first = registry().describe(side, text);
        let second = registry().describe(side, &canonical);
        match (first, second) {
            (Ok(first), Ok(second)) => assert_eq!(
                first, second,
                "{side} {text:?} and its canonical text {canonical:?} describe differently"
            ),
            (first, second) => panic!(
                "{side} {text:?} (canonical {canonical:?}) parses but describes as {:?} / {:?}",
                first.map(|_| ()),
                second.map(|_| ())
            ),
        }
    }
});
