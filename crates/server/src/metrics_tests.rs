//! Tests of `metrics`.

use super::*;

#[test]
fn counters_and_the_histogram_render_as_openmetrics() {
    let m = Metrics::default();
    m.inc(
        "switchboard_webhooks_total",
        &[("provider", "twilio"), ("kind", "voice"), ("status", "200")],
    );
    m.inc(
        "switchboard_webhooks_total",
        &[("provider", "twilio"), ("kind", "voice"), ("status", "200")],
    );
    m.observe_webhook("twilio", "voice", Duration::from_millis(3));
    let text = m.render();
    assert!(
        text.contains("# TYPE switchboard_webhooks counter"),
        "{text}"
    );
    assert!(
        text.contains(
            "switchboard_webhooks_total{provider=\"twilio\",kind=\"voice\",status=\"200\"} 2"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "switchboard_webhook_duration_seconds_bucket{le=\"0.005\",provider=\"twilio\",kind=\"voice\"} 1"
        ) || text.contains(
            "switchboard_webhook_duration_seconds_bucket{provider=\"twilio\",kind=\"voice\",le=\"0.005\"} 1"
        ),
        "{text}"
    );
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
}
