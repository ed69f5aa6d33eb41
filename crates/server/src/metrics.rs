//! Prometheus metrics at `/metrics` (text exposition format, no authentication, no
//! personal data: only counts and latencies by provider, webhook kind and result).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the webhook latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 8.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// The process's metrics.
#[derive(Default)]
pub struct Metrics {
    counters: Mutex<BTreeMap<(&'static str, String), u64>>,
    /// Webhooks accepted without a signature check, per line (lines without an auth token).
    unsigned: Mutex<BTreeMap<switchboard_core::LineId, u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
}

/// Descriptions of the counters, for `# HELP`.
const HELP: [(&str, &str); 7] = [
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
        "switchboard_jobs_total",
        "Background jobs run, by kind and result.",
    ),
];

fn labels(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(",")
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

    /// Adds one to the counter `name` with `pairs` as labels.
    pub fn inc(&self, name: &'static str, pairs: &[(&str, &str)]) {
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        *c.entry((name, labels(pairs))).or_default() += 1;
    }

    /// Records how long a webhook of `kind` took.
    pub fn observe_webhook(&self, provider: &str, kind: &str, took: Duration) {
        let secs = took.as_secs_f64();
        let mut h = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        let e = h
            .entry(labels(&[("provider", provider), ("kind", kind)]))
            .or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                e.counts[i] += 1;
            }
        }
        e.sum += secs;
        e.count += 1;
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        for (name, help) in HELP {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for ((n, l), v) in c.iter() {
                if *n == name {
                    let _ = writeln!(out, "{name}{{{l}}} {v}");
                }
            }
        }
        drop(c);
        let name = "switchboard_webhook_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time to answer a provider webhook.\n# TYPE {name} histogram"
        );
        let h = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        for (l, e) in h.iter() {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "{name}_bucket{{{l},le=\"{b}\"}} {}", e.counts[i]);
            }
            let _ = writeln!(out, "{name}_bucket{{{l},le=\"+Inf\"}} {}", e.count);
            let _ = writeln!(out, "{name}_sum{{{l}}} {}", e.sum);
            let _ = writeln!(out, "{name}_count{{{l}}} {}", e.count);
        }
        out
    }
}
