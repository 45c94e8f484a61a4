//! The `ws://` and `wss://` URL forms, on both sides, through the global registry. A URL that
//! parses must mean exactly the chain it stands for (nothing in the URL may smuggle in an
//! option or a layer), and its canonical text must parse back to the same text.
#![no_main]

use endpoints::core::OptionValue;
use endpoints::{Registry, Side};
use endpoints_fuzz::check_error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(rest) = std::str::from_utf8(data) else {
        return;
    };
    let registry = Registry::global();
    for scheme in ["ws", "wss"] {
        let url = format!("{scheme}://{rest}");
        for side in [Side::Server, Side::Client] {
            let canonical = match side {
                Side::Server => registry.server(&url).map(|e| e.to_string()),
                Side::Client => registry.client(&url).map(|e| {
                    let authority = e.authority().expect("a URL names its host");
                    assert!(!authority.host().is_empty(), "{url:?}: empty host");
                    e.to_string()
                }),
            };
            let canonical = match canonical {
                Ok(c) => c,
                Err(e) => {
                    check_error(&e);
                    continue;
                }
            };
            assert!(
                !(scheme == "wss" && side == Side::Server),
                "{url:?} parsed as a server"
            );
            let described = registry
                .describe(side, &url)
                .unwrap_or_else(|e| panic!("{side} {url:?} parses but does not describe: {e}"));
            let kinds: Vec<&str> = described.layers.iter().map(|l| l.kind.as_str()).collect();
            let base = if scheme == "ws" { "tcp" } else { "tls" };
            assert_eq!(
                (kinds.as_slice(), described.kind.as_str()),
                (&["ws"][..], base),
                "{side} {url:?} is not ws+{base}: {canonical}"
            );
            if let Some((_, value)) = described.options.iter().find(|(k, _)| k == "endpoint") {
                assert_eq!(value, &OptionValue::Null, "{url:?} smuggled endpoint=");
            }
            let again = match side {
                Side::Server => registry.server(&canonical).map(|e| e.to_string()),
                Side::Client => registry.client(&canonical).map(|e| e.to_string()),
            }
            .unwrap_or_else(|e| {
                panic!("{url:?} prints as {canonical:?}, which does not parse: {e}")
            });
            assert_eq!(again, canonical, "{url:?}");
        }
    }
});
