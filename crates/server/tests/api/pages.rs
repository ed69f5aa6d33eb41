//! Page forms keep what they do not change: a member saving any section of a line's settings
//! exactly as the page shows it leaves the line as it was, including routing steps that ring
//! people outside the member's teams, more steps than the form shows at first, several
//! business-hours windows and an after-hours route. A value the member may not choose is
//! refused by step number, never dropped. Both backends.

use crate::helpers::{TestApp, PASSWORD};
use reqwest::header::{COOKIE, SET_COOKIE};
use scraper::{Html, Selector};
use serde_json::{json, Value};
use switchboard_core::account::Role;

/// Logs in; the session's cookie and form token.
pub(crate) async fn login_with_token(app: &TestApp, email: &str) -> (String, String) {
    let r = app
        .http
        .post(app.api("/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_owned())
}

/// A new owner account's session cookie.
pub(crate) async fn owner_session(app: &TestApp) -> String {
    app.account("Olga", "olga@example.com", None, Role::Owner)
        .await;
    login_with_token(app, "olga@example.com").await.0
}

async fn login(app: &TestApp, email: &str) -> String {
    let r = app
        .http
        .post(app.api("/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

pub(crate) async fn page(app: &TestApp, cookie: &str, path: &str) -> (u16, String) {
    let r = app
        .http
        .get(format!("{}{path}", app.url))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub(crate) fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

/// The fields a browser submits for the form whose `section` is `section` (empty: the first
/// form with visible fields and no section), as shown.
pub(crate) fn form_fields(html: &str, section: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(html);
    let form = doc
        .select(&sel("form"))
        .find(|f| {
            let named = sel("input[name=section], input[name=do]");
            let mut sections = f.select(&named);
            match section {
                // The first form with fields of its own and no section.
                "" => {
                    sections.next().is_none()
                        && f.select(&sel("input:not([type=hidden])")).next().is_some()
                }
                _ => sections.any(|i| i.value().attr("value") == Some(section)),
            }
        })
        .unwrap_or_else(|| panic!("no {section} form"));
    fields_of(form)
}

/// The form posting to `action`, as a browser submits it (its submit button not included).
pub(crate) fn form_at(html: &str, action: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(html);
    let form = doc
        .select(&sel("form"))
        .find(|f| f.value().attr("action") == Some(action))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    fields_of(form)
}

/// The fields of `form` a browser submits, as shown.
fn fields_of(form: scraper::ElementRef) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for el in form.select(&sel("input, select, textarea")) {
        let v = el.value();
        let Some(name) = v.attr("name") else { continue };
        let value = match v.name() {
            "select" => {
                let opts: Vec<_> = el.select(&sel("option")).collect();
                let chosen = opts
                    .iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or(opts.first())
                    .unwrap();
                chosen.value().attr("value").unwrap_or_default().to_owned()
            }
            "textarea" => el.text().collect(),
            _ => match v.attr("type") {
                Some("checkbox" | "radio") if v.attr("checked").is_none() => continue,
                _ => v.attr("value").unwrap_or_default().to_owned(),
            },
        };
        out.push((name.to_owned(), value));
    }
    out
}

pub(crate) async fn submit(
    app: &TestApp,
    cookie: &str,
    path: &str,
    form: &[(String, String)],
) -> String {
    let r = app
        .http
        .post(format!("{}{path}", app.url))
        .header(COOKIE, cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    r.text().await.unwrap()
}

pub(crate) fn set(form: &mut [(String, String)], name: &str, value: &str) {
    form.iter_mut().find(|(k, _)| k == name).unwrap().1 = value.to_owned();
}

async fn line_now(app: &TestApp, id: i64) -> Value {
    let (status, mut l) = app.get(&format!("/lines/{id}")).await;
    assert_eq!(status, 200);
    l.as_object_mut().unwrap().remove("updated_at");
    l
}

async fn settings_forms_keep_what_the_member_cannot_see(app: TestApp) {
    let (_, team) = app.post("/teams", json!({"name": "Payments"})).await;
    let team = team["id"].as_i64().unwrap();
    let max = app
        .account("Max", "max@example.com", None, Role::Member)
        .await;
    let mut steps = Vec::new();
    for i in 0..7 {
        let u = app
            .user(&format!("Responder{i}"), Some(&format!("+1415555020{i}")))
            .await;
        // Even responders are in the team; odd ones are not, so Max cannot see them.
        if i % 2 == 0 {
            let (status, _) = app
                .put(&format!("/teams/{team}/members/{u}"), json!({}))
                .await;
            assert_eq!(status, 200);
        }
        steps.push(json!({"user": u}));
    }
    let (status, _) = app
        .put(&format!("/teams/{team}/members/{max}"), json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, line) = app
        .post(
            "/lines",
            json!({
                "name": "Payments hotline",
                "number": "+14155550999",
                "provider": app.provider(),
                "team": team,
                "routing": {"steps": steps, "ring_timeout_secs": 25},
                "caller_rules": {"blocked": ["+1900*"], "allowed": ["+14155550111"],
                                 "flood_limit": {"calls": 3, "window_secs": 600}},
                "other_numbers": ["+442071838750"],
                "caller_id": "hotline",
                "pins": [{"label": "Acme Corp", "pin": "4321"}],
                "messages": {"text_reply": {"text": "We got it."}},
                "business_hours": {
                    "time_zone": "Europe/Berlin",
                    "open": [
                        {"type": "daily", "start": "22:00", "end": "06:00"},
                        {"type": "weekly", "start_day": "monday", "start": "09:00",
                         "end_day": "friday", "end": "17:30"},
                        {"type": "weekly", "start_day": "saturday", "start": "10:00",
                         "end_day": "saturday", "end": "12:00"},
                    ],
                    "after_hours": {"action": "route", "steps": [steps[1], steps[0]]},
                },
            }),
        )
        .await;
    assert_eq!(status, 201, "{line}");
    let id = line["id"].as_i64().unwrap();
    let before = line_now(&app, id).await;

    let cookie = login(&app, "max@example.com").await;
    let path = format!("/lines/{id}/settings");
    let (status, html) = page(&app, &cookie, &path).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Someone outside your teams (kept as it is)"),
        "steps Max cannot see are shown as kept"
    );
    for section in [
        "general",
        "routing",
        "messages",
        "reach",
        "callers",
        "hours",
        "incidents",
    ] {
        let form = form_fields(&html, section);
        let after = submit(&app, &cookie, &path, &form).await;
        assert!(!after.contains("class=\"problem\""), "{section}: {after}");
        assert_eq!(
            line_now(&app, id).await,
            before,
            "saving the {section} section as shown changed the line"
        );
    }

    // A change through the form: a fourth window in a blank row.
    let mut hours = form_fields(&html, "hours");
    set(&mut hours, "w4_from_day", "sunday");
    set(&mut hours, "w4_from", "08:00");
    set(&mut hours, "w4_to", "09:15");
    submit(&app, &cookie, &path, &hours).await;
    let changed = line_now(&app, id).await;
    let open = changed["business_hours"]["open"].as_array().unwrap();
    assert_eq!(open.len(), 4, "{changed}");
    assert_eq!(
        open[3],
        json!({"type": "weekly", "start_day": "sunday", "start": "08:00:00",
               "end_day": "sunday", "end": "09:15:00"})
    );
    assert_eq!(
        changed["business_hours"]["after_hours"],
        before["business_hours"]["after_hours"]
    );

    // Someone Max may not choose, or a value that names nobody: refused by its step.
    for bad in ["user:999999", "user:abc", "team:1"] {
        let mut routing = form_fields(&html, "routing");
        set(&mut routing, "step8", bad);
        let refused = submit(&app, &cookie, &path, &routing).await;
        assert!(
            refused
                .contains("Step 8 names someone who is not a person or schedule you can choose."),
            "{bad}: {refused}"
        );
        assert_eq!(line_now(&app, id).await, changed);
    }
    // Half a window is refused with its number, and nothing changes.
    set(&mut hours, "w5_from", "07:00");
    let refused = submit(&app, &cookie, &path, &hours).await;
    assert!(
        refused.contains("Opening time 5 needs both a start and an end."),
        "{refused}"
    );
    assert_eq!(line_now(&app, id).await, changed);
}

/// One second of silence as a WAV file.
fn wav() -> Vec<u8> {
    let mut w = b"RIFF\x24\x3e\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x40\x1f\0\0\x80\x3e\0\0\x02\0\x10\0data\0\x3e\0\0".to_vec();
    w.resize(44 + 16000, 0);
    w
}

/// The stepper's messages step takes a recording with the texts; one that is not audio is
/// refused with the message's name and the reason, and the texts are kept.
async fn the_stepper_takes_recordings_and_says_why_one_is_refused(app: TestApp) {
    let alice = app
        .account(
            "Alice",
            "alice@example.com",
            Some("+14155550101"),
            Role::Admin,
        )
        .await;
    let (cookie, csrf) = login_with_token(&app, "alice@example.com").await;
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let mut form = form;
        form.push(("csrf", csrf.clone()));
        app.http
            .post(format!("{}{path}", app.url))
            .header(COOKIE, &cookie)
            .form(&form)
            .send()
    };
    let r = post(
        "/lines/new".into(),
        vec![
            ("name", "Payments hotline".into()),
            ("number", "+1 500 555 0077".into()),
            ("provider", app.provider().into()),
        ],
    )
    .await
    .unwrap();
    let routing = r.url().path().to_owned();
    assert!(routing.ends_with("/routing"), "{routing}");
    let r = post(
        routing.clone(),
        vec![
            ("step1", format!("user:{alice}")),
            ("ring_timeout_secs", "20".into()),
            ("go", "next".into()),
        ],
    )
    .await
    .unwrap();
    let messages = r.url().path().to_owned();
    assert!(messages.ends_with("/messages"), "{messages}");
    let send = |text: &str, file: (&str, &str, Vec<u8>)| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("welcome", text.to_owned())
            .text("no_one_on_call", "Nobody is on call.")
            .text("no_answer", "Nobody answered.")
            .part(
                format!("audio_{}", file.0),
                reqwest::multipart::Part::bytes(file.2)
                    .file_name("message")
                    .mime_str(file.1)
                    .unwrap(),
            );
        app.http
            .post(format!("{}{messages}", app.url))
            .header(COOKIE, &cookie)
            .multipart(form)
            .send()
    };
    let r = send(
        "Payments: connecting you.",
        ("welcome", "text/plain", b"not a recording".to_vec()),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("The recording for “When the call comes in” was not saved:")
            && body.contains("is not audio/wav or audio/mpeg"),
        "{body}"
    );
    let (_, lines) = app.get("/lines").await;
    let line = &lines["lines"][0];
    assert_eq!(
        line["messages"]["welcome"]["text"],
        "Payments: connecting you."
    );
    assert!(line["messages"]["welcome"]["audio_url"].is_null(), "{line}");

    // A real recording, sent again from the same step: stored, and played on the page.
    let r = send(
        "Payments: connecting you.",
        ("no_answer", "audio/wav", wav()),
    )
    .await
    .unwrap();
    assert!(r.url().path().ends_with("/connect"), "{}", r.url());
    let (_, line) = app.get(&format!("/lines/{}", line["id"])).await;
    let url = line["messages"]["no_answer"]["audio_url"].as_str().unwrap();
    let (status, page) = page(&app, &cookie, &messages).await;
    assert_eq!(status, 200);
    let token = url.rsplit('/').next().unwrap();
    assert!(page.contains(&format!("src=\"/media/{token}\"")), "{page}");
}

/// Times are written on the viewer's clock, chosen on their profile: 24-hour by default,
/// 12-hour when asked, for the instant asked about and for each responder's own time.
async fn times_follow_the_viewers_clock(app: TestApp) {
    let alice = app.user("Alice", Some("+14155550101")).await; // Europe/Berlin
    let line = app.line(&[alice]).await;
    app.account("Ada", "ada@example.com", None, Role::Admin)
        .await;
    let (cookie, csrf) = login_with_token(&app, "ada@example.com").await;
    let dry_run = format!("/lines/{}?at=2026-11-24T15:05", line["id"]);
    let (_, html) = page(&app, &cookie, &dry_run).await;
    assert!(html.contains("2026-11-24 15:05 UTC"), "{html}");
    assert!(html.contains("16:05 their time"), "{html}");
    let (_, profile) = page(&app, &cookie, "/profile").await;
    let mut form = form_fields(&profile, "");
    set(&mut form, "clock", "12h");
    form.retain(|(k, _)| k != "csrf");
    form.push(("csrf".into(), csrf.clone()));
    submit(&app, &cookie, "/profile", &form).await;
    let (_, html) = page(&app, &cookie, &dry_run).await;
    assert!(html.contains("2026-11-24 3:05 PM UTC"), "{html}");
    assert!(html.contains("4:05 PM their time"), "{html}");
    assert!(!html.contains("15:05 UTC"), "one clock on the page");
    let (status, me) = app.get("/users").await;
    assert_eq!(status, 200);
    let ada = me["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "Ada")
        .unwrap();
    assert_eq!(ada["clock"], "12h");
    let (status, err) = app
        .patch(&format!("/users/{}", ada["id"]), json!({"clock": "13h"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "clock", "{err}");
    let (_, again) = app.get(&format!("/users/{}", ada["id"])).await;
    assert_eq!(
        again["clock"], "12h",
        "a refused change leaves it as it was"
    );
}

/// The incident page's change form, saved as shown, changes nothing (no timeline line, no
/// new version); a change through it is on the timeline.
async fn the_incident_form_saved_as_shown_changes_nothing(app: TestApp) {
    let alice = app
        .account("Alice", "alice@example.com", None, Role::Admin)
        .await;
    let (status, inc) = app
        .post(
            "/incidents",
            json!({"title": "Vendor reports a breach", "severity": "critical", "assignee": alice}),
        )
        .await;
    assert_eq!(status, 201, "{inc}");
    let path = format!("/incidents/{}", inc["id"]);
    let (_, before) = app.get(&path).await;
    let (cookie, csrf) = login_with_token(&app, "alice@example.com").await;
    let (status, html) = page(&app, &cookie, &path).await;
    assert_eq!(status, 200);
    let mut form = form_fields(&html, "edit");
    form.retain(|(k, _)| k != "csrf");
    form.push(("csrf".into(), csrf.clone()));
    let after = submit(&app, &cookie, &path, &form).await;
    assert!(!after.contains("class=\"problem\""), "{after}");
    let (_, same) = app.get(&path).await;
    assert_eq!(
        same, before,
        "saving the form as shown changed the incident"
    );
    set(&mut form, "severity", "low");
    set(&mut form, "assignee", "");
    submit(&app, &cookie, &path, &form).await;
    let (_, changed) = app.get(&path).await;
    assert_eq!(
        (&changed["severity"], &changed["assignee"]),
        (&json!("low"), &Value::Null)
    );
    let last: Vec<&str> = changed["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(last[1..], ["Severity critical → low", "Unassigned"]);

    // The list's filters: the day it was opened, in the URL; a bad day is named.
    let (_, shown) = page(
        &app,
        &cookie,
        "/incidents?since=2026-11-24&until=2026-11-24",
    )
    .await;
    assert!(shown.contains("Vendor reports a breach"), "{shown}");
    let (_, none) = page(&app, &cookie, "/incidents?since=2026-11-25").await;
    assert!(!none.contains("Vendor reports a breach"));
    let (status, bad) = page(&app, &cookie, "/incidents?since=yesterday").await;
    assert_eq!(status, 422);
    assert!(bad.contains("yesterday") && bad.contains("is not a day such as 2026-11-24."));
}

crate::on_both!(
    the_incident_form_saved_as_shown_changes_nothing,
    times_follow_the_viewers_clock,
    settings_forms_keep_what_the_member_cannot_see,
    the_stepper_takes_recordings_and_says_why_one_is_refused,
);
