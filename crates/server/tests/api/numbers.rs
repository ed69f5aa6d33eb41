//! A line's several numbers (which one was called is logged) and what responders' phones show
//! as the caller (the caller's number, or the hotline's with its contact card and a whisper).

use crate::helpers::TestApp;
use serde_json::json;
use switchboard_sim::Responder;

const ALICE: &str = "+14155550101";
const LONDON: &str = "+442071838750";
const SYDNEY: &str = "+61255501234";

async fn a_line_with_several_numbers_logs_which_one_was_called(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[a]).await;
    let path = format!("/lines/{}", line["id"]);
    let (status, body) = app
        .patch(&path, json!({ "other_numbers": [LONDON, SYDNEY] }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["other_numbers"], json!([LONDON, SYDNEY]));
    // Bad lists are refused by place, and nothing changes.
    for (bad, field) in [
        (
            json!(["+44 20 7183 8750", "0800 call us"]),
            "other_numbers[1]",
        ),
        (json!([LONDON, LONDON]), "other_numbers[1]"),
        (json!([line["number"]]), "other_numbers[0]"),
    ] {
        let (status, err) = app.patch(&path, json!({ "other_numbers": bad })).await;
        assert_eq!(status, 422, "{err}");
        assert_eq!(err["error"]["field"], field, "{err}");
    }
    // A number another line owns cannot be taken, as its main number or another.
    let other = app.line(&[a]).await;
    let (status, err) = app
        .patch(
            &format!("/lines/{}", other["id"]),
            json!({ "other_numbers": [SYDNEY] }),
        )
        .await;
    assert_eq!(status, 409, "{err}");
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("another line"));
    let (_, kept) = app.get(&path).await;
    assert_eq!(kept["other_numbers"], json!([LONDON, SYDNEY]));

    // A call to the London number rings the same people, and the log says which was called.
    let mut spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 2,
            talk_secs: 20,
        },
    );
    spec.to = LONDON.to_owned();
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.connected_to.as_deref(), Some(ALICE));
    assert_eq!(call["called"], LONDON);
    let (_, main) = app.call(&app.spec(&line)).await;
    assert_eq!(main["called"], line["number"]);
    let cookie = crate::pages::owner_session(&app).await;
    let (_, html) = crate::pages::page(&app, &cookie, &format!("/calls/{}", call["id"])).await;
    assert!(html.contains(&format!("called on <span class=\"mono\">{LONDON}</span>")));

    // A text to the Sydney number is answered from the Sydney number.
    let mut spec = app.spec(&line);
    spec.to = SYDNEY.to_owned();
    let r = switchboard_sim::send_text(
        &app.http,
        &spec,
        line["sms_url"].as_str().unwrap(),
        "hello",
        0,
        None,
    )
    .await
    .unwrap();
    assert!(!r.sent.is_empty());
    assert!(r.sent.iter().all(|s| s.from == SYDNEY), "{:?}", r.sent);
}

async fn responders_can_see_the_hotline_and_still_hear_who_calls(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[a]).await;
    let path = format!("/lines/{}", line["id"]);
    let answer = Responder::Answer {
        after_secs: 2,
        talk_secs: 20,
    };
    // By default the responder's phone shows the caller, and nothing is whispered.
    let (t, _) = app.call(&app.spec(&line).responder(ALICE, answer)).await;
    assert!(
        t.entries
            .iter()
            .any(|e| e.text.contains("caller id +14155550199")
                || e.text.contains("caller id 14155550199")),
        "{t}"
    );
    assert!(!t.entries.iter().any(|e| e.text.contains("hears")), "{t}");

    let (status, err) = app.patch(&path, json!({ "caller_id": "hotel" })).await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "caller_id");
    let (status, body) = app
        .patch(
            &path,
            json!({ "caller_id": "hotline", "other_numbers": [LONDON] }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["caller_id"], "hotline");
    let mut spec = app.spec(&line).responder(ALICE, answer);
    spec.to = LONDON.to_owned();
    let (t, call) = app.call(&spec).await;
    // Alice's phone showed the London number the caller dialed; she heard who was calling.
    let london_digits = &LONDON[1..];
    assert!(
        t.entries.iter().any(|e| e.text.starts_with(&format!("Dial {ALICE}"))
            && e.text.contains(london_digits)),
        "{t}"
    );
    assert!(
        t.entries
            .iter()
            .any(|e| e.text
                == format!("{ALICE} hears: Engineering Hotline call from ACME SECURITY.")),
        "{t}"
    );
    assert_eq!(t.connected_to.as_deref(), Some(ALICE));
    assert_eq!(call["outcome"], "answered");

    // The contact card a responder saves to let the hotline through Do Not Disturb.
    let r = app
        .http
        .get(app.api(&format!("/lines/{}/contact.vcf", line["id"])))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/vcard; charset=utf-8");
    let card = r.text().await.unwrap();
    assert!(card.starts_with("BEGIN:VCARD\r\nVERSION:3.0\r\n"), "{card}");
    assert!(
        card.contains("FN:Engineering Hotline (Switchboard)\r\n"),
        "{card}"
    );
    assert!(card.contains(&format!(
        "TEL;TYPE=WORK,VOICE:{}\r\n",
        line["number"].as_str().unwrap()
    )));
    assert!(
        card.contains(&format!("TEL;TYPE=WORK,VOICE:{LONDON}\r\n")),
        "{card}"
    );
    assert!(card.ends_with("END:VCARD\r\n"));
    // Without a token, nobody gets it.
    let r = app
        .http
        .get(app.api(&format!("/lines/{}/contact.vcf", line["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The line's page offers it.
    let cookie = crate::pages::owner_session(&app).await;
    let (_, html) = crate::pages::page(&app, &cookie, &path).await;
    assert!(html.contains(&format!("/api/v1/lines/{}/contact.vcf", line["id"])));
    assert!(html.contains("Responders' phones show this line's number"));
}

crate::on_all!(
    a_line_with_several_numbers_logs_which_one_was_called,
    responders_can_see_the_hotline_and_still_hear_who_calls,
);
