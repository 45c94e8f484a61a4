//! Secret option values stay secret: for every option any registered kind marks secret, a
//! sentinel value never appears in `Display`, `Debug` or `describe`, and the description
//! value's `unmasked()` text still is whole and parses back to an equal endpoint.

use endpoints::core::description::MASK;
use endpoints::{Registry, Side};

const SENTINEL: &str = "s3cr3t-token-4711";

/// A description of `kind` with `option` set to a value holding the sentinel.
fn with_secret(kind: &str, side: Side, layer: bool, option: &str) -> Option<String> {
    let value = match option {
        "headers" | "header" => format!("Authorization=Bearer {SENTINEL}"),
        _ => SENTINEL.to_owned(),
    };
    let value = endpoints::quote(&value);
    // What else the kind needs: the proxy layers a proxy, and a password its user.
    let needs = match (kind, option) {
        ("socks5" | "httpconnect", "password") => {
            format!(r":{kind}.proxy=tcp\:127.0.0.1\:1080:{kind}.user=u")
        }
        ("socks5" | "httpconnect", _) => format!(r":{kind}.proxy=tcp\:127.0.0.1\:1080"),
        _ => String::new(),
    };
    Some(match (side, layer) {
        (Side::Client, true) => format!("{kind}+tcp:example.com:80{needs}:{kind}.{option}={value}"),
        (Side::Server, true) => format!("{kind}+tcp:0:{kind}.{option}={value}"),
        _ => return None,
    })
}

#[test]
fn every_secret_option_is_masked_and_revealed_only_on_purpose() {
    let registry = Registry::global();
    let mut checked = 0;
    for kind in registry.kinds() {
        for spec in kind.options.iter().filter(|o| o.secret) {
            let text = with_secret(kind.name, kind.side(), kind.is_layer(), spec.name)
                .unwrap_or_else(|| panic!("no description for {}'s {}", kind.name, spec.name));
            let (display, debug) = match kind.side() {
                Side::Client => {
                    let e = registry.client(&text).expect(&text);
                    (e.to_string(), format!("{e:?}"))
                }
                Side::Server => {
                    let e = registry.server(&text).expect(&text);
                    (e.to_string(), format!("{e:?}"))
                }
            };
            let described = registry.describe(kind.side(), &text).expect(&text);
            let json = format!("{described:?}");
            for (what, shown) in [
                ("Display", &display),
                ("Debug", &debug),
                ("describe", &json),
            ] {
                assert!(
                    !shown.contains(SENTINEL),
                    "{what} of {text} shows the secret: {shown}"
                );
            }
            assert!(display.contains(MASK), "{display}");
            // Asked for on purpose, the canonical text is whole and parses back to itself.
            let value = match kind.side() {
                Side::Client => registry.client(&text).map(|e| e.description()),
                Side::Server => registry.server(&text).map(|e| e.description()),
            }
            .expect(&text);
            let revealed = value.unmasked().to_string();
            assert!(revealed.contains(SENTINEL), "{revealed}");
            assert!(!format!("{value:?}").contains(SENTINEL));
            let again = match kind.side() {
                Side::Client => registry.client(&revealed).map(|e| e.description()),
                Side::Server => registry.server(&revealed).map(|e| e.description()),
            }
            .expect(&revealed);
            assert_eq!(again, value);
            assert_eq!(again.unmasked().to_string(), revealed);
            let described = registry
                .describe_with_secrets(kind.side(), &text)
                .expect(&text);
            assert!(format!("{described:?}").contains(SENTINEL));
            checked += 1;
        }
    }
    // ws headers= and header=, and the proxy layers' user= and password=.
    assert!(checked >= 6, "only {checked} secret options checked");
}

#[test]
fn the_issues_example_keeps_its_token() {
    let text = "ws+tcp:example.com:80:header=Authorization=Bearer s3cr3t";
    let client = Registry::global().client(text).unwrap();
    let display = client.to_string();
    assert!(!display.contains("s3cr3t"), "{display}");
    assert!(display.contains(r"Authorization\=***"), "{display}");
    assert!(!format!("{client:?}").contains("s3cr3t"));
}

/// A description that does not parse is quoted in its error: secret values are hidden there
/// too (same length, so the caret still points at the bad byte), at any nesting depth.
#[test]
fn parse_errors_do_not_quote_secret_values() {
    let registry = Registry::global();
    let cases = [
        r"socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1080:user=me:password=hunter2:bogus=1",
        r"socks5+tcp:example.com:443:proxy=tcp\:127.0.0.1\:1080\:password=hunter2\:user=me:bogus=1",
        r"ws:example.com:80:headers=Authorization\: Bearer hunter2:pth=/",
    ];
    for description in cases {
        let error = registry.client(description).expect_err("a bad option");
        let shown = format!("{error} {error:?} {}", error.caret().unwrap_or_default());
        assert!(!shown.contains("hunter2"), "{shown}");
        let input = error.input().expect("parse errors name the input");
        // One mask length whatever the secret's, and the caret still on the bad option.
        assert!(input.contains("=***"), "{input}");
        let position = error.position().expect("an option error has a position");
        let bad = if description.ends_with("pth=/") {
            "pth"
        } else {
            "bogus"
        };
        assert!(
            input[position..].starts_with(bad),
            "the caret points at {:?}",
            &input[position..]
        );
    }
}

/// The ways secrets slipped into parse errors before (issue 19, item 3): qualified keys,
/// nested descriptions with escaped `\=`, URL userinfo and secret query values, escaped and
/// mistyped keys. None may show the secret, and the mask has one length.
#[test]
fn parse_errors_hide_secrets_however_they_are_written() {
    const SECRET: &str = "s3cr3tval";
    let registry = Registry::global();
    let cases = [
        "ws+tcp:h:1:ws.headers=X-Key=s3cr3tval:bogus=1",
        r"socks5+tcp:h:1:socks5.proxy=tcp\:p\:1:socks5.user=u:socks5.password=s3cr3tval:bogus=1",
        r"tls+socks5+tcp:h:1:proxy=socks5+tcp\:p\:1\:proxy\=tcp\\\:q\\\:2\:user\=u\:password\=s3cr3tval:bogus=1",
        r"ws+tcp:h:1:header=Authorization=s3cr3tval:proxy=x",
        "wss://user:s3cr3tval@example.com:99999/",
        "ws://example.com:99999/chat?access_token=s3cr3tval",
        "tpc:h:1:password=s3cr3tval",
        r"socks5+tcp:h:1:proxy=tcp\:p\:1:user=u:pass\word=s3cr3tval",
        r"socks5+tcp:h:1:proxy=tcp\:p\:1:user=u:PASSWORD=s3cr3tval",
        r"socks5+tcp:h:1:proxy=tcp\:p\:1:user=u:pasword=s3cr3tval",
    ];
    for description in cases {
        // An escaped key is the key itself (`pass\word` is `password`): it may parse.
        let shown = match registry.client(description) {
            Ok(endpoint) => format!("{endpoint} {endpoint:?}"),
            Err(error) => format!("{error} {error:?} {}", error.caret().unwrap_or_default()),
        };
        assert!(!shown.contains(SECRET), "{description}: {shown}");
        let masked = registry.masked(description);
        assert!(!masked.contains(SECRET), "{masked}");
        assert!(
            masked.contains("***") && !masked.contains("****"),
            "{masked}"
        );
    }
}
