//! Any text, as a server and as a client description, through the registry with every kind:
//! splitting, escapes, layer chains, wrapper forms, shorthands, URL forms, every kind's
//! parser, `Display` and `describe`. Nothing may panic, and every error's position must be a
//! character boundary of the input it names.
#![no_main]

use endpoints::Side;
use endpoints_fuzz::{check_error, registry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let registry = registry();
    for side in [Side::Server, Side::Client] {
        let parsed = match side {
            Side::Server => registry
                .server(text)
                .map(|e| (e.to_string(), format!("{e:?}"))),
            Side::Client => registry
                .client(text)
                .map(|e| (e.to_string(), format!("{e:?}"))),
        };
        if let Err(e) = &parsed {
            check_error(e);
        }
        match registry.describe(side, text) {
            Ok(described) => {
                assert!(
                    parsed.is_ok(),
                    "{side} {text:?} describes but does not parse"
                );
                let _ = format!("{described:?}");
            }
            Err(e) => {
                assert!(
                    parsed.is_err(),
                    "{side} {text:?} parses but does not describe: {e}"
                );
                check_error(&e);
            }
        }
    }
});
