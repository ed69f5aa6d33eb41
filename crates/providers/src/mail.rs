//! An alert as an email: the same content as the chat alerts, as plain text and as HTML
//! (every value escaped). Pure functions; sending is the server's.

use crate::chat::Alert;

/// `&`, `<`, `>`, `"` and `'` escaped for HTML text and attributes.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn facts(a: &Alert) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("Caller", a.caller()),
        ("Line", a.line.clone()),
        ("Outcome", a.outcome.clone()),
    ];
    if let Some(who) = &a.answered_by {
        out.push(("Answered by", who.clone()));
    }
    out.push(("Duration", a.duration()));
    out.push(("Path", a.path.clone()));
    if let Some((label, t)) = a.said() {
        out.push((label, t.to_owned()));
    }
    out.push(("Started", a.started_at.clone()));
    if let Some((label, _)) = &a.incident {
        out.push(("Incident", label.clone()));
    }
    out
}

/// The plain-text body.
pub fn text(a: &Alert) -> String {
    let mut out = format!("{}\n\n", a.headline());
    for (k, v) in facts(a) {
        out.push_str(&format!("{k}: {v}\n"));
    }
    out.push_str(&format!("\nCall log: {}\n", a.call_url));
    if let Some((_, url)) = &a.incident {
        out.push_str(&format!("Incident: {url}\n"));
    }
    for (label, url) in &a.recordings {
        out.push_str(&format!("{label}: {url}\n"));
    }
    out
}

/// The HTML body.
pub fn html(a: &Alert) -> String {
    let rows: String = facts(a)
        .iter()
        .map(|(k, v)| format!("<tr><th align=\"left\">{k}</th><td>{}</td></tr>", esc(v)))
        .collect();
    let mut links = vec![format!("<a href=\"{}\">Call log</a>", esc(&a.call_url))];
    if let Some((_, url)) = &a.incident {
        links.push(format!("<a href=\"{}\">Incident</a>", esc(url)));
    }
    links.extend(
        a.recordings
            .iter()
            .map(|(label, url)| format!("<a href=\"{}\">{}</a>", esc(url), esc(label))),
    );
    format!(
        "<!doctype html><html><body><h1 style=\"font-size:18px\">{}</h1><table>{rows}</table><p>{}</p></body></html>",
        esc(&a.headline()),
        links.join(" · ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_says_what_the_chat_alert_says_and_escapes_it() {
        let a = Alert {
            line: "Payments <EU> & co".into(),
            caller_number: "+14155550199".into(),
            caller_name: Some("\"ACME\"".into()),
            outcome: "voicemail".into(),
            answered_by: None,
            path: "Alice did not answer → voicemail".into(),
            duration_secs: Some(75),
            started_at: "2026-11-24T09:00:00Z".into(),
            call_url: "https://sb.example/calls/7".into(),
            recordings: vec![(
                "Voicemail (12 s)".into(),
                "https://sb.example/r/1?a=1&b=2".into(),
            )],
            test_call: false,
            incident: Some((
                "Incident #3 (triggered): x".into(),
                "https://sb.example/incidents/3".into(),
            )),
            transcript: Some("Payments <down> since 9".into()),
            text: None,
            reminder: false,
        };
        let t = text(&a);
        assert!(
            t.starts_with(
                "🚨 Call to Payments <EU> & co from \"ACME\" (+14155550199): VOICEMAIL left\n"
            ),
            "{t}"
        );
        assert!(
            t.contains("Duration: 1m 15s\n")
                && t.contains("Voicemail (12 s): https://sb.example/r/1?a=1&b=2\n"),
            "{t}"
        );
        let h = html(&a);
        assert!(
            h.contains("Payments &lt;EU&gt; &amp; co") && !h.contains("<EU>"),
            "{h}"
        );
        assert!(h.contains("&quot;ACME&quot;"), "{h}");
        assert!(
            t.contains("Voicemail transcript: Payments <down> since 9\n"),
            "{t}"
        );
        assert!(h.contains("Payments &lt;down&gt; since 9"), "{h}");
        assert!(
            h.contains("href=\"https://sb.example/r/1?a=1&amp;b=2\""),
            "{h}"
        );
        assert!(
            h.contains("<a href=\"https://sb.example/incidents/3\">Incident</a>"),
            "{h}"
        );
    }
}
