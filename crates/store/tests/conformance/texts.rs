//! Text conversations: stored once with their incident in one transaction, found again by
//! their sender and by their line, their texts kept across saves.

use super::*;
use switchboard_core::call::Medium;
use switchboard_core::incident::auto::CallIncident;
use switchboard_core::incident::Severity;
use switchboard_core::text::Text;

fn conversation(line: LineId, sid: &str, sender: &str, at: i64) -> Call {
    Call {
        medium: Medium::Text,
        outcome: Outcome::Texted,
        phase: Phase::Done,
        ended_at: Some(t(at)),
        texts: vec![Text {
            at: t(at),
            message_id: sid.into(),
            by: None,
            body: "Payments down".into(),
            sent_to: vec!["Alice".into()],
        }],
        ..new_call(line, sid, sender, at)
    }
}

pub(super) async fn conversations_are_stored_once_with_their_incident_and_found_again(
    s: Arc<dyn Store>,
) {
    let (_, l) = setup(&s).await;
    let c = conversation(l, "SM1", "+14155550199", 10);
    let asks = CallIncident {
        call: CallId(0),
        line: l,
        team: None,
        caller_number: "+14155550199".into(),
        title: "Text from +14155550199".into(),
        severity: Severity::High,
        open_new: true,
        answered_by: None,
        joins_since: None,
    };
    let (stored, created) = s
        .start_conversation(&c, &[event("Text forwarded to Alice")], &[], Some(&asks))
        .await
        .unwrap();
    assert!(created);
    assert_eq!(stored.medium, Medium::Text);
    // The incident names the conversation's real id, stored in the same transaction.
    let inc = s.call_incidents(stored.id).await.unwrap();
    assert_eq!(inc.len(), 1);
    assert_eq!(inc[0].title, "Text from +14155550199");
    // A repeated first text finds it, and opens nothing more.
    let (again, created) = s
        .start_conversation(&c, &[], &[], Some(&asks))
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again.id, stored.id);
    assert_eq!(s.call_incidents(stored.id).await.unwrap().len(), 1);

    // Found by sender and line, newest first; calls and other lines' texts are not.
    s.start_call(&new_call(l, "CA1", "+14155550199", 20), &[], &[])
        .await
        .unwrap();
    let (other, _) = s
        .start_conversation(&conversation(l, "SM2", "+14155550100", 30), &[], &[], None)
        .await
        .unwrap();
    let mine = s
        .conversations(l, Some("+14155550199"), t(0), 5)
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|c| c.id).collect::<Vec<_>>(), [stored.id]);
    let all = s.conversations(l, None, t(0), 5).await.unwrap();
    assert_eq!(
        all.iter().map(|c| c.id).collect::<Vec<_>>(),
        [other.id, stored.id]
    );
    assert!(s.conversations(l, None, t(31), 5).await.unwrap().is_empty());

    // A reply saved later is read back with the first text.
    let mut c = s.get_call(stored.id).await.unwrap();
    c.texts.push(Text {
        at: t(40),
        message_id: "SM3".into(),
        by: Some(switchboard_core::text::Author {
            user_id: UserId(1),
            name: "Alice".into(),
        }),
        body: "On it".into(),
        sent_to: vec!["the sender".into()],
    });
    c.outcome = Outcome::Answered;
    s.save_call(&c, &[], &[], &[], None, t(40)).await.unwrap();
    let back = s.get_call(stored.id).await.unwrap();
    assert_eq!(back.texts.len(), 2);
    assert_eq!(back.texts[1].by.as_ref().unwrap().name, "Alice");
    assert_eq!(back.outcome, Outcome::Answered);
}

/// A call's users in one read: those asked for by id, and a responder with a call-back PIN
/// calling from their first or another number (not one without a PIN).
pub(super) async fn a_call_reads_its_users_and_a_calling_responder_at_once(s: Arc<dyn Store>) {
    let (alice, _) = setup(&s).await;
    let mut bob = new_user("Bob");
    bob.phone = Some(PhoneNumber::parse("+14155550102").unwrap());
    bob.other_phones = vec![switchboard_core::user::OtherPhone {
        number: PhoneNumber::parse("+14155550112").unwrap(),
        label: Some("desk".into()),
    }];
    let bob = s.create_user(&bob, t(0)).await.unwrap();
    let ids = |users: Vec<switchboard_core::user::User>| -> Vec<UserId> {
        users.into_iter().map(|u| u.id).collect()
    };
    let got = s.users_for_call(&[alice, UserId(999)], None).await.unwrap();
    assert_eq!(ids(got), [alice]);
    // Without a PIN Bob is not found by his number.
    let got = s
        .users_for_call(&[alice], Some("+14155550112"))
        .await
        .unwrap();
    assert_eq!(ids(got), [alice]);
    s.set_callback_pin(bob.id, Some("$argon2id$stand-in"))
        .await
        .unwrap();
    for number in ["+14155550102", "+14155550112"] {
        let got = s.users_for_call(&[alice], Some(number)).await.unwrap();
        assert_eq!(ids(got), [alice, bob.id], "{number}");
    }
    let got = s.users_for_call(&[], Some("+14155550112")).await.unwrap();
    assert_eq!(ids(got), [bob.id]);
    assert!(s.users_for_call(&[], None).await.unwrap().is_empty());
    assert!(s
        .users_for_call(&[], Some("+14155550199"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.callback_pin(bob.id).await.unwrap().as_deref(),
        Some("$argon2id$stand-in")
    );
    s.set_callback_pin(bob.id, None).await.unwrap();
    assert!(!s.get_user(bob.id).await.unwrap().has_callback_pin);
}
