//! Every `tcp`, `tcp6` and `unix` case (and every case whose kind is unknown to Twisted) of
//! Twisted's own answers in `data/twisted-sample.json` gives the same accept/reject decision
//! and the same values here, or is a divergence listed in TWISTED-COMPAT §0.

use std::collections::BTreeMap;

use endpoints::{Registry, Side};
use serde_json::{json, Value};

/// Cases where we deliberately differ, with the number of the divergence in TWISTED-COMPAT §0.
const DIVERGENCES: &[(&str, u8, &str)] = &[
    ("S072", 1, "port 99999 is out of range"),
    ("S075", 1, "a space before the port is not a number"),
    ("S087", 1, "a negative backlog is not a number"),
    ("S107", 1, "mode -1 is not an octal mode"),
    ("C047", 1, "port -1 is not a port"),
    ("C057", 6, "[::1] brackets are understood"),
];

/// Kinds Twisted knows that this suite does not cover yet (their own issues).
const LATER: &[&str] = &["ssl", "tls", "systemd", "stdio", "haproxy", "ws"];

fn cases() -> Vec<Value> {
    let text = include_str!("data/twisted-sample.json");
    let sample: Value = serde_json::from_str(text).expect("valid JSON");
    sample["cases"].as_array().expect("cases").clone()
}

/// The case's kind as Twisted would dispatch it: the first positional, lower-cased.
fn kind_of(input: &str) -> String {
    endpoints::description::split(input)
        .ok()
        .and_then(|s| s.positionals.first().map(|k| k.text.to_lowercase()))
        .unwrap_or_default()
}

/// Twisted's endpoint fields, translated to our `describe` names and values.
fn twisted_values(endpoint: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let ty = endpoint["type"].as_str().unwrap_or_default();
    let fields = endpoint.as_object().unwrap();
    for (name, value) in fields {
        let (ours, value) = match (ty, name.as_str()) {
            (_, "type" | "mode_octal") => continue,
            ("UNIXServerEndpoint", "wantPID") => ("lockfile", value.clone()),
            ("UNIXClientEndpoint", "checkPID") => {
                let truthy = match value {
                    Value::Bool(b) => *b,
                    Value::Number(n) => n.as_i64() != Some(0),
                    Value::String(s) => !s.is_empty(),
                    _ => false,
                };
                ("lockfile", json!(truthy))
            }
            ("TCP4ClientEndpoint", "bindAddress") => {
                ("bindAddress", value.get(0).cloned().unwrap_or(Value::Null))
            }
            (_, other) => (other, value.clone()),
        };
        out.insert(ours.to_owned(), value);
    }
    out
}

#[test]
fn twisted_sample_agrees_or_diverges_as_documented() {
    let registry = Registry::global();
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut diverged = Vec::new();
    for case in cases() {
        let id = case["id"].as_str().unwrap();
        let input = case["input"].as_str().unwrap();
        let kind = kind_of(input);
        if LATER.contains(&kind.as_str()) || input.contains("@CERTS@") {
            continue;
        }
        let side = if case["side"] == "server" {
            Side::Server
        } else {
            Side::Client
        };
        let twisted_ok = case["ok"].as_bool().unwrap();
        let ours = registry.describe(side, input);
        checked += 1;
        let agrees = match (&ours, twisted_ok) {
            (Ok(described), true) => {
                let ours: Value = serde_json::from_str(&described.to_json()).unwrap();
                let expected = twisted_values(&case["endpoint"]);
                let differing: Vec<_> = expected
                    .iter()
                    .filter(|(name, value)| ours.get(name.as_str()) != Some(value))
                    .collect();
                if !differing.is_empty() {
                    failures.push(format!(
                        "{id} {input:?}: values differ: {differing:?} vs {ours}"
                    ));
                }
                differing.is_empty()
            }
            (Err(_), false) => true,
            (Ok(_), false) | (Err(_), true) => false,
        };
        let listed = DIVERGENCES.iter().find(|(case_id, _, _)| *case_id == id);
        match (agrees, listed) {
            (true, None) => {}
            (false, Some(_)) => diverged.push(id.to_owned()),
            (true, Some(_)) => {
                failures.push(format!("{id} {input:?}: listed as a divergence but agrees"))
            }
            (false, None) => failures.push(format!(
                "{id} {input:?}: twisted ok={twisted_ok}, ours={:?}",
                ours.as_ref().map(|d| &d.canonical)
            )),
        }
        if let Err(e) = &ours {
            // Every rejection names the input.
            assert!(e.to_string().contains(&format!("\"{input}\"")), "{id}: {e}");
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(diverged.len(), DIVERGENCES.len());
    assert!(checked >= 60, "only {checked} cases checked");
}

#[test]
fn every_accepted_case_round_trips_through_its_canonical_text() {
    let registry = Registry::global();
    for case in cases() {
        let input = case["input"].as_str().unwrap();
        if LATER.contains(&kind_of(input).as_str()) || input.contains("@CERTS@") {
            continue;
        }
        let side = if case["side"] == "server" {
            Side::Server
        } else {
            Side::Client
        };
        let Ok(first) = registry.describe(side, input) else {
            continue;
        };
        let second = registry.describe(side, &first.canonical).unwrap();
        assert_eq!(first, second, "{input}");
    }
}
