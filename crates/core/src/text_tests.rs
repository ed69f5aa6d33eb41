use super::*;
use crate::line::RoutingStep;

const NOW: Timestamp = Timestamp::UNIX_EPOCH;
const SENDER: &str = "+14155550199";

fn line(users: &[i64]) -> Line {
    let mut l = crate::test_support::line(
        users
            .iter()
            .map(|u| RoutingStep::User(UserId(*u)))
            .collect(),
    );
    l.channels = vec![crate::channel::ChannelId(3)];
    l
}

fn plan(l: &Line) -> Plan {
    crate::test_support::call(l).plan
}

fn text(id: &str, body: &str) -> NewText {
    NewText {
        provider: Provider::Twilio,
        message_id: id.into(),
        account_id: None,
        sender: CallerInfo {
            number: SENDER.into(),
            ..Default::default()
        },
        to: "+15005550006".into(),
        body: body.into(),
    }
}

fn phone(n: &str) -> PhoneNumber {
    PhoneNumber::parse(n).unwrap()
}

#[test]
fn a_first_text_goes_to_everyone_the_plan_names_and_the_sender_is_answered_once() {
    let l = line(&[1, 2]);
    let (conv, t) = first_text(&l, text("SM1", "Payments down"), plan(&l), None, NOW);
    assert_eq!(conv.medium, Medium::Text);
    assert_eq!(conv.outcome, Outcome::Texted);
    let to: Vec<&str> = t.outgoing.iter().map(|o| o.to.as_str()).collect();
    assert_eq!(to, ["+14155550101", "+14155550102", SENDER]);
    assert!(t.outgoing[0]
        .body
        .starts_with("[Hotline] Text from +14155550199:\nPayments down"));
    assert_eq!(t.outgoing[2].body, l.messages.text_reply.text);
    assert_eq!(conv.path(), "texted: forwarded to Alice, Bob");
    // One chat alert per channel, and an incident, as for a voicemail.
    assert_eq!(t.jobs.len(), 1);
    let ci = t
        .incident
        .expect("a text waiting for a reply opens an incident");
    assert_eq!(ci.title, "Text from +14155550199 to Hotline");
    // The next text joins the conversation: forwarded again, no second acknowledgement.
    let mut conv = conv;
    let t = another_text(&l, &mut conv, "SM2".into(), "Still down", NOW);
    assert_eq!(conv.texts.len(), 2);
    let to: Vec<&str> = t.outgoing.iter().map(|o| o.to.as_str()).collect();
    assert_eq!(to, ["+14155550101", "+14155550102"]);
    assert!(t.jobs.is_empty() && t.incident.is_none());
    // The carrier repeating a text changes nothing and sends nothing.
    let mut again = conv.clone();
    let t = another_text(&l, &mut again, "SM2".into(), "Still down", NOW);
    assert!(t.repeated && t.outgoing.is_empty());
    assert_eq!(again, conv);
}

#[test]
fn with_nobody_to_send_it_to_the_sender_is_told_so() {
    let l = line(&[]);
    let (conv, t) = first_text(&l, text("SM1", "hello"), Plan::nobody(), None, NOW);
    assert_eq!(t.outgoing.len(), 1);
    assert_eq!(t.outgoing[0].to.as_str(), SENDER);
    assert_eq!(t.outgoing[0].body, l.messages.text_unanswered.text);
    assert_eq!(conv.path(), "texted: nobody to forward it to");
}

#[test]
fn a_refused_sender_is_logged_and_nobody_gets_anything() {
    let l = line(&[1]);
    let (conv, t) = first_text(
        &l,
        text("SM1", "spam"),
        Plan::nobody(),
        Some("+14155550199 is blocked on this line"),
        NOW,
    );
    assert!(t.outgoing.is_empty() && t.jobs.is_empty() && t.incident.is_none());
    assert_eq!(conv.outcome, Outcome::Rejected);
    assert_eq!(conv.path(), "text refused");
}

#[test]
fn a_responder_reply_reaches_the_sender_from_the_hotline_and_the_others_get_a_copy() {
    let l = line(&[1, 2]);
    let (conv, _) = first_text(&l, text("SM1", "Payments down"), plan(&l), None, NOW);
    // Bob texts the hotline: the conversation forwarded to him is found by his number.
    let (mut conv, author) = answered_by(vec![conv], &phone("+14155550102")).unwrap();
    assert_eq!(author.name, "Bob");
    let t = from_responder(&l, &mut conv, author, "SM9".into(), "On it", NOW);
    assert_eq!(t.outgoing[0].to.as_str(), SENDER);
    assert_eq!(t.outgoing[0].body, "[Hotline] On it");
    // Neither personal number is in what the sender gets.
    assert!(!t.outgoing[0].body.contains("+1415555010"));
    assert_eq!(t.outgoing[1].to.as_str(), "+14155550101");
    assert!(t.outgoing[1].body.contains("Bob replied to +14155550199"));
    assert_eq!(t.outgoing.len(), 2);
    assert_eq!(conv.outcome, Outcome::Answered);
    assert_eq!(conv.answered_by, Some(UserId(2)));
    assert_eq!(conv.path(), "texted: forwarded to Alice, Bob → Bob replied");
    // A number nobody forwarded to finds no conversation; nor does the sender's own.
    assert!(answered_by(vec![conv.clone()], &phone("+14155550103")).is_none());
    assert!(answered_by(vec![conv], &phone(SENDER)).is_none());
}

#[test]
fn a_text_is_kept_without_control_characters_and_cut_to_its_limit() {
    assert_eq!(tidy_body(" a\u{7}b\nc "), "ab\nc");
    assert_eq!(tidy_body(&"x".repeat(5000)).chars().count(), MAX_BODY);
}
