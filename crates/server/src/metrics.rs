//! Prometheus metrics at `/metrics` (OpenMetrics text through `prometheus-client`, no
//! authentication, no personal data: only counts and latencies by provider, webhook kind and
//! result).

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the webhook latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 8.0,
];

type Labels = Vec<(String, String)>;

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    counters: HashMap<&'static str, Family<Labels, Counter>>,
    latency: Family<Labels, Histogram, fn() -> Histogram>,
    /// Webhooks accepted without a signature check, per line (lines without an auth token).
    unsigned: Mutex<BTreeMap<switchboard_core::LineId, u64>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// Descriptions of the counters, for `# HELP`.
const HELP: [(&str, &str); 8] = [
    (
        "switchboard_unsigned_webhooks_total",
        "Webhooks accepted without a signature check (lines without an auth token).",
    ),
    (
        "switchboard_spooled_webhooks_total",
        "Webhooks kept in the local spool because the store could not take them.",
    ),
    (
        "switchboard_webhooks_total",
        "Provider webhooks answered, by provider, kind and HTTP status.",
    ),
    (
        "switchboard_webhook_rejections_total",
        "Webhooks refused for a missing or invalid signature.",
    ),
    (
        "switchboard_failsafe_documents_total",
        "Voice webhooks answered with the failure document (apology and voicemail).",
    ),
    ("switchboard_calls_started_total", "New calls, by provider."),
    (
        "switchboard_texts_total",
        "Texts to lines' numbers stored, by provider and direction.",
    ),
    (
        "switchboard_jobs_total",
        "Background jobs run, by kind and result.",
    ),
];

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let mut counters = HashMap::new();
        for (name, help) in HELP {
            let family = Family::<Labels, Counter>::default();
            // The library adds the `_total` suffix of a counter itself.
            registry.register(name.trim_end_matches("_total"), help, family.clone());
            counters.insert(name, family);
        }
        let latency: Family<Labels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "switchboard_webhook_duration_seconds",
            "Time to answer a provider webhook.",
            latency.clone(),
        );
        Self {
            registry,
            counters,
            latency,
            unsigned: Mutex::default(),
        }
    }
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

impl Metrics {
    /// Counts a webhook accepted unsigned for `line`; `true` the first time for that line.
    pub fn note_unsigned(&self, line: switchboard_core::LineId, provider: &str) -> bool {
        self.inc(
            "switchboard_unsigned_webhooks_total",
            &[("provider", provider)],
        );
        let mut u = self.unsigned.lock().unwrap_or_else(|e| e.into_inner());
        let n = u.entry(line).or_default();
        *n += 1;
        *n == 1
    }

    /// Webhooks accepted unsigned for `line` since this process started.
    pub fn unsigned_webhooks(&self, line: switchboard_core::LineId) -> u64 {
        let u = self.unsigned.lock().unwrap_or_else(|e| e.into_inner());
        u.get(&line).copied().unwrap_or(0)
    }

    /// Adds one to the counter `name` (one of those described in `HELP`) with `pairs` as labels.
    pub fn inc(&self, name: &'static str, pairs: &[(&str, &str)]) {
        match self.counters.get(name) {
            Some(family) => {
                family.get_or_create(&labels(pairs)).inc();
            }
            None => debug_assert!(false, "the counter {name} is not registered"),
        }
    }

    /// Records how long a webhook of `kind` took.
    pub fn observe_webhook(&self, provider: &str, kind: &str, took: Duration) {
        self.latency
            .get_or_create(&labels(&[("provider", provider), ("kind", kind)]))
            .observe(took.as_secs_f64());
    }

    /// The text exposition (OpenMetrics).
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String does not fail");
        out
    }
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
