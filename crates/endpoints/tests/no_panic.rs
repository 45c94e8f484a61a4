//! No description panics the library: thousands of generated strings built from the grammar's
//! own pieces (kinds, layers, separators, escapes, numbers, odd characters) go through every
//! parser, on both sides, with `describe` too. Deterministic: a fixed-seed generator.

use endpoints::{Registry, Side};

/// xorshift64*: enough randomness for shaping inputs, and the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const PIECES: &[&str] = &[
    "tcp",
    "tcp6",
    "unix",
    "ssl",
    "tls",
    "ws",
    "wss",
    "systemd",
    "stdio",
    "exec",
    "haproxy",
    "throttle",
    "tls+",
    "ws+",
    "haproxy+",
    "+",
    "++",
    ":",
    "::",
    "=",
    "==",
    "\\",
    "\\:",
    "\\=",
    "0",
    "80",
    "65535",
    "65536",
    "99999999999999999999",
    "-1",
    " 1",
    "1.5",
    "0x10",
    "\u{661}",
    "host=",
    "port=",
    "interface=",
    "backlog=",
    "mode=",
    "lockfile=",
    "timeout=",
    "path=",
    "privateKey=",
    "certKey=",
    "endpoint=",
    "index=",
    "name=",
    "domain=INET",
    "rate=",
    "ws.path=",
    "tls.hostname=",
    "[::1]",
    "[",
    "]",
    "@",
    "@abs",
    "\u{0}",
    "\u{e9}",
    "/tmp/x",
    "ws://",
    "wss://",
    "h://",
    "?",
    "#",
    "%",
    ",",
    "h2,http/1.1",
    "",
    "\u{1F600}",
];

#[test]
fn generated_descriptions_never_panic() {
    let registry = Registry::global();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let length = 1 + rng.next() % 8;
        let input: String = (0..length).map(|_| rng.pick(PIECES)).collect();
        let _ = registry.server(&input);
        let _ = registry.client(&input);
        let _ = registry.describe(Side::Server, &input);
        let _ = registry.describe(Side::Client, &input);
    }
}
