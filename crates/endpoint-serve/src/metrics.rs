//! Counters of what the relays do, in the Prometheus/OpenMetrics text format.
//!
//! Every per-relay metric handle is resolved once, when the relay starts ([`RelayMetrics`]):
//! the hot path then touches only atomics (no label lookup, no lock), and bytes are read
//! from the relay's live [`Traffic`] counters at scrape time, so relaying counts nothing
//! twice.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use endpoint_pool::Pool;
use endpoint_relay::Traffic;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelSet, EncodeLabelValue, EncodeMetric,
};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

/// The `relay="NAME"` label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RelayLabel {
    relay: String,
}

/// Why a relayed connection failed, as the `class` label of `errors`.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum ErrorClass {
    /// The upstream refused the connection.
    upstream_refused,
    /// Connecting to the upstream timed out.
    upstream_timeout,
    /// Connecting to the upstream failed otherwise (unreachable, a TLS handshake, a proxy).
    upstream_failed,
    /// The relayed pair ended with a reset or another I/O error.
    reset,
    /// The pair was closed after `idleTimeout` of silence both ways.
    idle_timeout,
    /// The pair was closed at its `maxLifetime`.
    max_lifetime,
    /// A layer's handshake failed or timed out (TLS, WebSocket, PROXY), before the relay.
    handshake_failed,
    /// A pending handshake was closed to make room (`maxHandshakesPerSource=`, a full
    /// handshake table, `maxConnections=`).
    admission_refused,
}

/// The versions a handshake can agree on, as `Secured::protocol` names them.
const TLS_VERSIONS: [&str; 2] = ["TLSv1.3", "TLSv1.2"];

const ERROR_CLASSES: [ErrorClass; 8] = [
    ErrorClass::upstream_refused,
    ErrorClass::upstream_timeout,
    ErrorClass::upstream_failed,
    ErrorClass::reset,
    ErrorClass::idle_timeout,
    ErrorClass::max_lifetime,
    ErrorClass::handshake_failed,
    ErrorClass::admission_refused,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TlsLabels {
    relay: String,
    version: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    relay: String,
    class: ErrorClass,
}

/// How a reload ended, as the `outcome` label of `reloads`.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum ReloadOutcome {
    /// The new file runs.
    applied,
    /// The file was refused (a parse error, a failed bind); what ran keeps running.
    failed,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabels {
    outcome: ReloadOutcome,
}

fn seconds_histogram() -> Histogram {
    // 100 µs .. ~100 s.
    Histogram::new(exponential_buckets(0.000_1, 4.0, 11))
}

/// The metrics of every relay in the process, and the text `GET /metrics` serves.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    accepted: Family<RelayLabel, Counter>,
    active: Family<RelayLabel, Gauge>,
    finished: Family<RelayLabel, Counter>,
    listening: Family<RelayLabel, Gauge>,
    errors: Family<ErrorLabels, Counter>,
    connect_seconds: Family<RelayLabel, Histogram, fn() -> Histogram>,
    pair_seconds: Family<RelayLabel, Histogram, fn() -> Histogram>,
    reloads: Family<ReloadLabels, Counter>,
    tls: Family<TlsLabels, Counter>,
    bytes: Arc<BytesCollector>,
    upstreams: Arc<UpstreamCollector>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Empty metrics, every family registered under the `endpoint_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("endpoint");
        let accepted = Family::<RelayLabel, Counter>::default();
        let active = Family::<RelayLabel, Gauge>::default();
        let finished = Family::<RelayLabel, Counter>::default();
        let listening = Family::<RelayLabel, Gauge>::default();
        let errors = Family::<ErrorLabels, Counter>::default();
        let connect_seconds = Family::new_with_constructor(seconds_histogram as fn() -> Histogram);
        let pair_seconds = Family::new_with_constructor(seconds_histogram as fn() -> Histogram);
        let reloads = Family::<ReloadLabels, Counter>::default();
        let tls = Family::<TlsLabels, Counter>::default();
        let bytes = Arc::new(BytesCollector::default());
        registry.register(
            "relay_connections_accepted",
            "Connections accepted (after every layer's handshake)",
            accepted.clone(),
        );
        registry.register(
            "relay_connections_active",
            "Relayed pairs open now",
            active.clone(),
        );
        registry.register(
            "relay_connections_finished",
            "Relayed pairs ended, well or not",
            finished.clone(),
        );
        registry.register(
            "relay_listening",
            "1 while every listener of the relay is bound",
            listening.clone(),
        );
        registry.register(
            "relay_errors",
            "Connections that failed, by class (handshakes included)",
            errors.clone(),
        );
        registry.register_with_unit(
            "relay_upstream_connect",
            "Time to connect to the upstream, layers included",
            Unit::Seconds,
            connect_seconds.clone(),
        );
        registry.register_with_unit(
            "relay_pair_duration",
            "How long relayed pairs lived",
            Unit::Seconds,
            pair_seconds.clone(),
        );
        registry.register(
            "reloads",
            "Configuration reloads, by outcome",
            reloads.clone(),
        );
        registry.register(
            "relay_tls_handshakes",
            "Accepted connections that completed a TLS (or QUIC) handshake, by protocol version",
            tls.clone(),
        );
        registry.register_collector(Box::new(Arc::clone(&bytes)));
        let upstreams = Arc::new(UpstreamCollector::default());
        registry.register_collector(Box::new(Arc::clone(&upstreams)));
        Metrics {
            registry,
            accepted,
            active,
            finished,
            listening,
            errors,
            connect_seconds,
            pair_seconds,
            reloads,
            tls,
            bytes,
            upstreams,
        }
    }

    /// The handles of one relay's metrics, resolved once; its bytes are read from `traffic`.
    pub fn relay(&self, name: &str, traffic: &Arc<Traffic>) -> RelayMetrics {
        let label = RelayLabel {
            relay: name.to_string(),
        };
        self.bytes.insert(name, traffic);
        let error = |class| {
            self.errors
                .get_or_create(&ErrorLabels {
                    relay: name.to_string(),
                    class,
                })
                .clone()
        };
        RelayMetrics(Arc::new(Handles {
            name: name.to_string(),
            upstreams: Arc::clone(&self.upstreams),
            accepted: self.accepted.get_or_create(&label).clone(),
            active: self.active.get_or_create(&label).clone(),
            finished: self.finished.get_or_create(&label).clone(),
            listening: self.listening.get_or_create(&label).clone(),
            errors: ERROR_CLASSES.map(error),
            connect_seconds: self.connect_seconds.get_or_create(&label).clone(),
            pair_seconds: self.pair_seconds.get_or_create(&label).clone(),
            tls: TLS_VERSIONS.map(|version| {
                self.tls
                    .get_or_create(&TlsLabels {
                        relay: name.to_string(),
                        version: version.to_string(),
                    })
                    .clone()
            }),
        }))
    }

    /// Forgets a relay that no longer runs (its series end).
    pub fn remove(&self, name: &str) {
        let label = RelayLabel {
            relay: name.to_string(),
        };
        self.accepted.remove(&label);
        self.active.remove(&label);
        self.finished.remove(&label);
        self.listening.remove(&label);
        self.connect_seconds.remove(&label);
        self.pair_seconds.remove(&label);
        for class in ERROR_CLASSES {
            self.errors.remove(&ErrorLabels {
                relay: name.to_string(),
                class,
            });
        }
        for version in TLS_VERSIONS {
            self.tls.remove(&TlsLabels {
                relay: name.to_string(),
                version: version.to_string(),
            });
        }
        self.bytes.remove(name);
        self.upstreams.set(name, None);
    }

    /// Counts a reload.
    pub fn reloaded(&self, outcome: ReloadOutcome) {
        self.reloads.get_or_create(&ReloadLabels { outcome }).inc();
    }

    /// The OpenMetrics text of everything (what `GET /metrics` returns).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// One relay's metric handles: atomics shared with the process's [`Metrics`].
#[derive(Clone, Debug)]
pub struct RelayMetrics(Arc<Handles>);

#[derive(Debug)]
struct Handles {
    /// The relay's name, the `relay` label of its upstreams' series.
    name: String,
    upstreams: Arc<UpstreamCollector>,
    accepted: Counter,
    active: Gauge,
    finished: Counter,
    listening: Gauge,
    /// One counter per class, in `ERROR_CLASSES` order.
    errors: [Counter; 8],
    connect_seconds: Histogram,
    pair_seconds: Histogram,
    /// One counter per version, in `TLS_VERSIONS` order.
    tls: [Counter; 2],
}

impl RelayMetrics {
    /// A connection was accepted and its pair opens.
    pub fn opened(&self) {
        self.0.accepted.inc();
        self.0.active.inc();
    }

    /// An accepted connection's handshake agreed on `protocol` (`TLSv1.3`).
    pub fn handshake(&self, protocol: &str) {
        if let Some(index) = TLS_VERSIONS.iter().position(|v| *v == protocol) {
            self.0.tls[index].inc();
        }
    }

    /// The pair ended after `lived`.
    pub fn closed(&self, lived: Duration) {
        self.0.active.dec();
        self.0.finished.inc();
        self.0.pair_seconds.observe(lived.as_secs_f64());
    }

    /// Connecting upstream took `took` (successful connects only).
    pub fn connected(&self, took: Duration) {
        self.0.connect_seconds.observe(took.as_secs_f64());
    }

    /// A pair failed for `class`.
    pub fn failed(&self, class: ErrorClass) {
        let index = ERROR_CLASSES.iter().position(|c| *c == class).unwrap_or(0);
        self.0.errors[index].inc();
    }

    /// Whether every listener of the relay is bound.
    pub fn set_listening(&self, listening: bool) {
        self.0.listening.set(i64::from(listening));
    }

    /// The pool of upstreams the relay connects through now (`to = [..]`), whose members'
    /// state is read at each scrape (`endpoint_upstream_up`, ...); `None` for one upstream.
    pub fn set_pool(&self, pool: Option<Pool>) {
        self.0.upstreams.set(&self.0.name, pool);
    }
}

/// Each pooled upstream's state per relay, read from the relays' pools at scrape time.
#[derive(Default)]
struct UpstreamCollector {
    pools: Mutex<Vec<(String, Pool)>>,
}

impl fmt::Debug for UpstreamCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UpstreamCollector")
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamLabels {
    relay: String,
    /// The member's masked description.
    upstream: String,
}

impl UpstreamCollector {
    fn set(&self, relay: &str, pool: Option<Pool>) {
        let mut pools = self.pools.lock().unwrap_or_else(PoisonError::into_inner);
        pools.retain(|(n, _)| n != relay);
        if let Some(pool) = pool {
            pools.push((relay.to_string(), pool));
        }
    }
}

impl Collector for UpstreamCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        use prometheus_client::metrics::gauge::ConstGauge;
        use prometheus_client::metrics::MetricType;
        let pools = self.pools.lock().unwrap_or_else(PoisonError::into_inner);
        let states: Vec<(UpstreamLabels, endpoint_pool::MemberStatus)> = pools
            .iter()
            .flat_map(|(relay, pool)| {
                pool.members().into_iter().map(move |member| {
                    let labels = UpstreamLabels {
                        relay: relay.clone(),
                        upstream: member.description.clone(),
                    };
                    (labels, member)
                })
            })
            .collect();
        drop(pools);
        let mut family = encoder.encode_descriptor(
            "upstream_up",
            "1 while a pooled upstream is up, 0 while it is marked down",
            None,
            MetricType::Gauge,
        )?;
        for (labels, member) in &states {
            ConstGauge::new(i64::from(member.up)).encode(family.encode_family(labels)?)?;
        }
        let mut family = encoder.encode_descriptor(
            "upstream_connections_active",
            "Connections open to a pooled upstream now",
            None,
            MetricType::Gauge,
        )?;
        for (labels, member) in &states {
            let active = i64::try_from(member.active).unwrap_or(i64::MAX);
            ConstGauge::new(active).encode(family.encode_family(labels)?)?;
        }
        let mut family = encoder.encode_descriptor(
            "upstream_connect_failures",
            "Failed connects and health probes of a pooled upstream",
            None,
            MetricType::Counter,
        )?;
        for (labels, member) in &states {
            ConstCounter::new(member.failures).encode(family.encode_family(labels)?)?;
        }
        Ok(())
    }
}

/// Bytes each way per relay, read from the relays' live [`Traffic`] at scrape time.
#[derive(Default)]
struct BytesCollector {
    relays: Mutex<Vec<(String, Arc<Traffic>)>>,
}

impl fmt::Debug for BytesCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BytesCollector")
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BytesLabels {
    relay: String,
    direction: Direction,
}

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
enum Direction {
    /// From the accepted client to the upstream.
    to_upstream,
    /// From the upstream back to the client.
    to_client,
}

impl BytesCollector {
    fn insert(&self, name: &str, traffic: &Arc<Traffic>) {
        let mut relays = self.relays.lock().unwrap_or_else(PoisonError::into_inner);
        relays.retain(|(n, _)| n != name);
        relays.push((name.to_string(), Arc::clone(traffic)));
    }

    fn remove(&self, name: &str) {
        let mut relays = self.relays.lock().unwrap_or_else(PoisonError::into_inner);
        relays.retain(|(n, _)| n != name);
    }
}

impl Collector for BytesCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let relays = self.relays.lock().unwrap_or_else(PoisonError::into_inner);
        let mut family = encoder.encode_descriptor(
            // With the unit: `endpoint_relay_bytes_total`.
            "relay",
            "Bytes relayed, by direction",
            Some(&Unit::Bytes),
            prometheus_client::metrics::MetricType::Counter,
        )?;
        for (name, traffic) in relays.iter() {
            for (direction, value) in [
                (Direction::to_upstream, traffic.a_to_b()),
                (Direction::to_client, traffic.b_to_a()),
            ] {
                let labels = BytesLabels {
                    relay: name.clone(),
                    direction,
                };
                ConstCounter::new(value).encode(family.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}

/// Failed and closed handshakes count as errors of the relay.
impl endpoint_core::ListenerEvents for RelayMetrics {
    fn handshake_failed(&self) {
        self.failed(ErrorClass::handshake_failed);
    }

    fn handshake_closed(&self) {
        self.failed(ErrorClass::admission_refused);
    }
}
