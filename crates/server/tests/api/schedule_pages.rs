//! The schedule pages, as a person uses them (plain HTTP and the forms as a browser submits
//! them): who is on call now and next, gaps with "Cover this gap", the override form's preview
//! and save (a cover cut to the covered person's own time), cover requests waiting for the
//! person asked, and the layer editor's words, next handoffs and a save that keeps what the
//! form does not show. Both backends.

use crate::helpers::TestApp;
use crate::pages::{form_at, login_with_token, page, sel, set, submit};
use reqwest::header::COOKIE;
use scraper::Html;
use serde_json::{json, Value};
use switchboard_core::account::Role;

fn text(html: &str, css: &str) -> String {
    Html::parse_document(html)
        .select(&sel(css))
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn attrs(html: &str, css: &str, attr: &str) -> Vec<String> {
    Html::parse_document(html)
        .select(&sel(css))
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

async fn schedule_now(app: &TestApp, id: i64) -> Value {
    let (status, s) = app.get(&format!("/schedules/{id}")).await;
    assert_eq!(status, 200);
    s
}

/// Posts `form` to `path` without following the redirect: the status and where it points.
async fn post_raw(
    app: &TestApp,
    cookie: &str,
    path: &str,
    form: &[(String, String)],
) -> (u16, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(format!("{}{path}", app.url))
        .header(COOKIE, cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    let to = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        r.status().as_u16(),
        if to.is_empty() {
            r.text().await.unwrap()
        } else {
            to
        },
    )
}

async fn a_schedule_is_read_and_changed_from_its_page(app: TestApp) {
    let (_, team) = app.post("/teams", json!({"name": "Payments"})).await;
    let team = team["id"].as_i64().unwrap();
    let ann = app
        .account("Ann", "ann@example.com", None, Role::Member)
        .await;
    let bob = app
        .account("Bob", "bob@example.com", None, Role::Member)
        .await;
    let cat = app
        .account("Cat", "cat@example.com", None, Role::Member)
        .await;
    for u in [ann, bob, cat] {
        let (status, _) = app
            .put(&format!("/teams/{team}/members/{u}"), json!({}))
            .await;
        assert_eq!(status, 200);
    }
    // Ann and Bob alternate weekly, Monday 09:00 to Friday 17:00 Berlin time; weekends are gaps.
    let window = json!([{"type": "weekly", "start_day": "monday", "start": "09:00", "end_day": "friday", "end": "17:00"}]);
    let (status, s) = app
        .post(
            "/schedules",
            json!({"name": "Primary", "time_zone": "Europe/Berlin", "team": team,
                   "layers": [{"name": "weekdays", "participants": [ann, bob],
                               "start": "2026-11-23T09:00", "shift": {"weeks": 1},
                               "restrictions": window}]}),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let id = s["id"].as_i64().unwrap();
    let layer = s["layers"][0]["id"].as_i64().unwrap();
    app.clock.set("2026-11-25T10:00:00Z".parse().unwrap());
    let (ann_cookie, ann_csrf) = login_with_token(&app, "ann@example.com").await;

    // The list: who is on call now and next, from the engine.
    let (status, list) = page(&app, &ann_cookie, "/schedules").await;
    assert_eq!(status, 200);
    assert!(list.contains("Ann until Fri 27 Nov 17:00"), "{list}");
    assert!(
        list.contains("No one on call from Fri 27 Nov 17:00"),
        "{list}"
    );
    // Ann's own shifts of the next 30 days, across schedules, in her zone (UTC).
    assert_eq!(
        text(&list, "#my-shifts li"),
        "Primary: 2026-11-25 10:00 UTC to 2026-11-27 16:00 UTC\nPrimary: 2026-12-07 08:00 UTC to 2026-12-11 16:00 UTC\nPrimary: 2026-12-21 08:00 UTC to 2026-12-25 10:00 UTC"
    );

    // The page: cards, the gap as a linked item, the layer in words with its next handoffs.
    let (status, html) = page(&app, &ann_cookie, &format!("/schedules/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(text(&html, "#on-call-now"), "Ann until Fri 27 Nov 17:00");
    assert_eq!(
        text(&html, "#up-next"),
        "No one on call from Fri 27 Nov 17:00"
    );
    assert!(
        html.contains("Final schedule, Mon 23 Nov 2026 to Sun 29 Nov 2026, times in Europe/Berlin")
    );
    let gap_titles = attrs(&html, "svg.lane a", "aria-label");
    assert!(
        gap_titles.iter().any(|t| t == "No one on call from Fri 27 Nov 17:00 to Mon 30 Nov 09:00 (Europe/Berlin) · Cover this gap"),
        "{gap_titles:?}"
    );
    let layer_text = text(&html, "#layers");
    assert!(
        layer_text.contains("Hands off every Monday at 09:00 Europe/Berlin."),
        "{layer_text}"
    );
    assert!(layer_text.contains("Turns: Ann → Bob"), "{layer_text}");
    assert!(
        layer_text.contains("When: Mon 09:00 → Fri 17:00"),
        "{layer_text}"
    );
    assert!(
        layer_text.contains("Next handoffs: Mon 30 Nov 09:00; Mon 7 Dec 09:00; Mon 14 Dec 09:00"),
        "{layer_text}"
    );

    // "Cover this gap" opens the override form filled with the gap.
    let cover = attrs(&html, "#coverage a", "href")[0].clone();
    let (_, html) = page(&app, &ann_cookie, &cover).await;
    let action = format!("/schedules/{id}/overrides");
    let mut form = form_at(&html, &action);
    let field =
        |f: &[(String, String)], k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(field(&form, "start").as_deref(), Some("2026-11-27T17:00"));
    assert_eq!(field(&form, "end").as_deref(), Some("2026-11-30T09:00"));
    assert_eq!(field(&form, "kind").as_deref(), Some("everyone"));
    set(&mut form, "user", &bob.to_string());
    // The preview draws the result and saves nothing: Bob's own week follows, so his time
    // runs on to Friday.
    let mut preview = form.clone();
    preview.push(("action".into(), "preview".into()));
    let audited = |v: Value| {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "POST /schedules/{id}/overrides")
            .count()
    };
    let before = audited(app.get("/audit?limit=500").await.1);
    let shown = submit(&app, &ann_cookie, &action, &preview).await;
    assert!(
        text(&shown, ".preview-list")
            .contains("Bob from Fri 27 Nov 17:00 to Fri 4 Dec 17:00 (Europe/Berlin)"),
        "{}",
        text(&shown, "#override")
    );
    assert!(schedule_now(&app, id).await["overrides"]
        .as_array()
        .unwrap()
        .is_empty());
    // Nothing changed, so the audit trail has nothing new; the save below is in it.
    assert_eq!(audited(app.get("/audit?limit=500").await.1), before);
    let mut save = form.clone();
    save.push(("action".into(), "save".into()));
    let (status, to) = post_raw(&app, &ann_cookie, &action, &save).await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("/schedules/{id}#overrides").as_str())
    );
    assert_eq!(audited(app.get("/audit?limit=500").await.1), before + 1);
    // A new override over that span lists the one already there.
    let (_, again) = page(
        &app,
        &ann_cookie,
        &format!("/schedules/{id}?cover_start=2026-11-28T00:00:00Z&cover_end=2026-11-28T06:00:00Z"),
    )
    .await;
    assert!(
        text(&again, "#override .note")
            .contains("Bob replaces everyone: Fri 27 Nov 17:00 to Mon 30 Nov 09:00"),
        "{}",
        text(&again, "#override")
    );
    let o = &schedule_now(&app, id).await["overrides"];
    assert_eq!(o.as_array().unwrap().len(), 1);
    assert_eq!(
        (
            o[0]["user"].as_i64(),
            o[0]["start"].as_str(),
            o[0]["end"].as_str()
        ),
        (
            Some(bob),
            Some("2026-11-27T16:00:00Z"),
            Some("2026-11-30T08:00:00Z")
        )
    );
    let (_, html) = page(&app, &ann_cookie, &format!("/schedules/{id}")).await;
    assert!(
        !text(&html, "#coverage").contains("Fri 27 Nov 17:00"),
        "{}",
        text(&html, "#coverage")
    );
    // The edit recorded the past; the days before the schedule existed still read from its
    // rules, as before the edit (the agenda's Monday and Tuesday; it exists from Tuesday).
    let agenda: Vec<String> = Html::parse_document(&html)
        .select(&sel(".agenda h4, .agenda li"))
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect();
    assert_eq!(
        agenda[..6],
        [
            "Mon 23 Nov",
            "No one on call · until 09:00",
            "Ann · from 09:00",
            "Tue 24 Nov",
            "Ann · All day",
            "Today"
        ],
        "{agenda:?}"
    );

    // Covering a person is cut to that person's own time in the span.
    let mut f = form_at(&html, &action);
    for (k, v) in [
        ("kind", "person"),
        ("user", &cat.to_string()),
        ("covered", &ann.to_string()),
        ("start", "2026-11-26T00:00"),
        ("end", "2026-11-28T12:00"),
    ] {
        f.retain(|(n, _)| n != k);
        f.push((k.into(), v.into()));
    }
    f.push(("action".into(), "save".into()));
    let (status, _) = post_raw(&app, &ann_cookie, &action, &f).await;
    assert_eq!(status, 303);
    let o = &schedule_now(&app, id).await["overrides"];
    assert_eq!(o.as_array().unwrap().len(), 2, "{o}");
    assert_eq!(
        (
            o[1]["user"].as_i64(),
            o[1]["covering"].as_i64(),
            o[1]["start"].as_str(),
            o[1]["end"].as_str()
        ),
        (
            Some(cat),
            Some(ann),
            Some("2026-11-25T23:00:00Z"),
            Some("2026-11-27T16:00:00Z")
        )
    );
    // The layer's own lane shows Ann's time that Cat now covers, faded, and says why.
    let (_, html) = page(&app, &ann_cookie, &format!("/schedules/{id}")).await;
    let titles = text(&html, "svg.lane title");
    assert!(
        titles.contains(
            "Ann from Thu 26 Nov 00:00 to Fri 27 Nov 17:00 (Europe/Berlin) · hidden by an override"
        ),
        "{titles}"
    );
    assert!(
        titles.contains("Ann from Mon 23 Nov 09:00 to Thu 26 Nov 00:00 (Europe/Berlin)\n"),
        "{titles}"
    );
    // A refused form says why, keeps what was typed, and stores nothing.
    let mut bad = form_at(&html, &action);
    for (k, v) in [
        ("user", bob.to_string()),
        ("start", "2026-12-02T10:00".into()),
        ("end", "2026-12-02T09:00".into()),
    ] {
        set(&mut bad, k, &v);
    }
    bad.push(("action".into(), "save".into()));
    let (status, shown) = post_raw(&app, &ann_cookie, &action, &bad).await;
    assert_eq!(status, 422);
    assert!(
        text(&shown, ".problem").contains("must be after the start"),
        "{}",
        text(&shown, ".problem")
    );
    assert_eq!(
        field(&form_at(&shown, &action), "start").as_deref(),
        Some("2026-12-02T10:00")
    );
    assert_eq!(
        schedule_now(&app, id).await["overrides"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Ann asks Bob to cover her; Bob sees it waiting for him and accepts.
    let ask = format!("/schedules/{id}/cover-requests");
    let asked = vec![
        ("csrf".to_owned(), ann_csrf.clone()),
        ("coverer".to_owned(), bob.to_string()),
        ("start".to_owned(), "2026-12-01T09:00".to_owned()),
        ("end".to_owned(), "2026-12-01T17:00".to_owned()),
        ("note".to_owned(), "dentist".to_owned()),
    ];
    let (status, _) = post_raw(&app, &ann_cookie, &ask, &asked).await;
    assert_eq!(status, 303);
    let (_, ann_list) = page(&app, &ann_cookie, "/schedules").await;
    assert!(!ann_list.contains("Waiting for you"));
    let (bob_cookie, _) = login_with_token(&app, "bob@example.com").await;
    let (_, bob_list) = page(&app, &bob_cookie, "/schedules").await;
    let waiting = text(&bob_list, "#waiting-title + ul");
    assert!(
        waiting.contains("Ann asks you to cover them on Primary from 2026-12-01 08:00 UTC to 2026-12-01 16:00 UTC (\u{201c}dentist\u{201d})"),
        "{waiting}"
    );
    // The home page tells him too.
    let (_, home) = page(&app, &bob_cookie, "/").await;
    assert!(text(&home, "#waiting-title + ul").contains("Ann asks you to cover them on Primary"));
    let accept = attrs(&bob_list, "#waiting-title + ul form", "action")[0].clone();
    let (status, to) = post_raw(&app, &bob_cookie, &accept, &form_at(&bob_list, &accept)).await;
    assert_eq!((status, to), (303, format!("/schedules/{id}#covers")));
    let o = &schedule_now(&app, id).await["overrides"];
    assert_eq!(
        (
            o[2]["user"].as_i64(),
            o[2]["covering"].as_i64(),
            o[2]["start"].as_str()
        ),
        (Some(bob), Some(ann), Some("2026-12-01T08:00:00Z"))
    );
    let (_, bob_list) = page(&app, &bob_cookie, "/schedules").await;
    assert!(!bob_list.contains("Waiting for you"));

    // The layer editor: its words and next handoffs from the form, saved without losing the
    // window the form does not show.
    let path = format!("/schedules/{id}/layers/{layer}");
    let (_, html) = page(&app, &ann_cookie, &path).await;
    let mut f = form_at(&html, &path);
    assert_eq!(field(&f, "turns").as_deref(), Some("Ann\nBob"));
    set(&mut f, "turns", "Bob + Ann\ncat@example.com");
    set(&mut f, "every", "2");
    let mut check = f.clone();
    check.push(("action".into(), "check".into()));
    let shown = submit(&app, &ann_cookie, &path, &check).await;
    let words = text(&shown, "#words");
    assert!(
        words.contains("Hands off every 2 weeks on Monday at 09:00 Europe/Berlin."),
        "{words}"
    );
    assert!(words.contains("2026-12-07 09:00 CET"), "{words}");
    let before = schedule_now(&app, id).await["layers"][0].clone();
    assert_eq!(before["shift"], json!({"weeks": 1}));
    f.push(("action".into(), "save".into()));
    let (status, _) = post_raw(&app, &ann_cookie, &path, &f).await;
    assert_eq!(status, 303);
    let after = schedule_now(&app, id).await["layers"][0].clone();
    assert_eq!(after["participants"], json!([[bob, ann], cat]));
    assert_eq!(after["shift"], json!({"weeks": 2}));
    assert_eq!(after["restrictions"], before["restrictions"]);
    // A name nobody has is refused by its line.
    set(&mut f, "turns", "Ann\nZed");
    let (status, shown) = post_raw(&app, &ann_cookie, &path, &f).await;
    assert_eq!(status, 422);
    assert!(
        text(&shown, ".problem").contains("line 2: nobody called \"Zed\""),
        "{}",
        text(&shown, ".problem")
    );

    // Another month, another zone: the start is a date in the URL.
    let (status, html) = page(
        &app,
        &ann_cookie,
        &format!("/schedules/{id}?view=month&start=2026-10-14&tz=America/New_York"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html
        .contains("Final schedule, Thu 1 Oct 2026 to Sat 31 Oct 2026, times in America/New_York"));
    // A week with a clock change says where and how.
    let (_, html) = page(
        &app,
        &ann_cookie,
        &format!("/schedules/{id}?start=2026-10-19"),
    )
    .await;
    assert!(
        text(&html, ".clock-change")
            .contains("Clocks go back an hour: Sun 25 Oct 03:00 CEST becomes Sun 25 Oct 02:00 CET"),
        "{}",
        text(&html, "#timeline")
    );
    let (status, _) = page(&app, &ann_cookie, &format!("/schedules/{id}?tz=Mars/Base")).await;
    assert_eq!(status, 422);
}

crate::on_both!(a_schedule_is_read_and_changed_from_its_page,);
