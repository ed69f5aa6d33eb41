//! A step that rings several people at once: legs, pickups, the race, ringing again.

use super::*;
use crate::call::{Outcome, Phase};
use crate::line::RoutingStep;
use crate::UserId;

const T0: Timestamp = Timestamp::UNIX_EPOCH;

fn at(secs: i64) -> Timestamp {
    T0 + jiff::SignedDuration::from_secs(secs)
}

fn together_line(screening: bool) -> Line {
    let mut l = crate::test_support::line(vec![
        RoutingStep::Users(vec![UserId(1), UserId(2)]),
        RoutingStep::User(UserId(3)),
    ]);
    l.screening = screening;
    l
}

fn dial_legs(t: &Transition) -> Vec<(String, Option<Callback>)> {
    t.instructions
        .iter()
        .find_map(|i| match i {
            Instruction::Dial { legs, .. } => Some(
                legs.iter()
                    .map(|l| (l.number.to_string(), l.picked_up))
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
}

fn picked_up(step: usize, leg: Option<usize>, to: Option<&str>, id: &str) -> Event {
    Event::ScreenPrompted {
        step,
        leg,
        to: to.map(str::to_owned),
        leg_id: Some(id.to_owned()),
    }
}

fn ended(step: usize, status: DialStatus, leg_id: Option<&str>) -> Event {
    Event::DialEnded {
        step,
        status,
        talk_secs: Some(12),
        caller_gone: false,
        leg_id: leg_id.map(str::to_owned),
        recording: None,
        accept_enforced_by_provider: false,
    }
}

#[test]
fn one_dial_rings_every_leg_each_with_its_own_pickup_url() {
    let l = together_line(false);
    let mut c = crate::test_support::call(&l);
    assert_eq!(c.plan.steps[0].target, "Alice + Bob (together)");
    let t = start(&mut c, &l, T0);
    assert_eq!(
        dial_legs(&t),
        [
            (
                "+14155550101".to_owned(),
                Some(Callback::Screen {
                    step: 0,
                    leg: Some(0)
                })
            ),
            (
                "+14155550102".to_owned(),
                Some(Callback::Screen {
                    step: 0,
                    leg: Some(1)
                })
            ),
        ]
    );
    // Without screening the pickup document is empty: the carrier bridges at once.
    let t = handle(&mut c, &l, picked_up(0, Some(1), None, "CAb"), at(4));
    assert!(t.instructions.is_empty(), "{t:?}");
    handle(
        &mut c,
        &l,
        ended(0, DialStatus::Answered, Some("CAb")),
        at(30),
    );
    assert_eq!(c.answered_by, Some(UserId(2)));
    assert_eq!(c.phase, Phase::Connected { step: 0 });
    assert_eq!(c.path(), "Alice + Bob rang together: Bob answered");
    assert_eq!(c.attempts[0].outcome, AttemptOutcome::Canceled);
    assert_eq!(c.attempts[1].picked_up_at, Some(at(4)));
}

#[test]
fn a_leg_without_a_url_of_its_own_is_found_by_the_number_it_dialed() {
    let mut l = together_line(true);
    l.provider = crate::line::Provider::Plivo;
    let mut c = crate::test_support::call(&l);
    start(&mut c, &l, T0);
    // Plivo's confirmSound is one URL per dial; its To names Bob's number (digits only).
    let t = handle(
        &mut c,
        &l,
        picked_up(0, None, Some("14155550102"), "u-b"),
        at(3),
    );
    assert!(matches!(
        &t.instructions[0],
        Instruction::AskToAccept { .. }
    ));
    assert_eq!(c.attempts[1].screening, Screening::PickedUp);
    assert_eq!(c.attempts[0].screening, Screening::Waiting);
    // Plivo bridged Bob after his key: the B leg's id tells who.
    let mut e = ended(0, DialStatus::Answered, Some("u-b"));
    if let Event::DialEnded {
        accept_enforced_by_provider,
        ..
    } = &mut e
    {
        *accept_enforced_by_provider = true;
    }
    handle(&mut c, &l, e, at(20));
    assert_eq!(c.answered_by, Some(UserId(2)));
    assert_eq!(c.outcome, Outcome::Answered);
}

#[test]
fn a_second_accept_is_told_someone_else_took_the_call() {
    let l = together_line(true);
    let mut c = crate::test_support::call(&l);
    start(&mut c, &l, T0);
    handle(&mut c, &l, picked_up(0, Some(0), None, "CAa"), at(2));
    handle(&mut c, &l, picked_up(0, Some(1), None, "CAb"), at(3));
    let yes = |leg| Event::ScreenAnswered {
        step: 0,
        leg: Some(leg),
        digits: Some("1".into()),
    };
    let t = handle(&mut c, &l, yes(1), at(6));
    assert!(matches!(&t.instructions[0], Instruction::Say(m) if m.text == CONNECTING_TEXT));
    let t = handle(&mut c, &l, yes(0), at(7));
    assert!(matches!(&t.instructions[0], Instruction::Say(m) if m.text == TAKEN_TEXT));
    assert_eq!(t.instructions.last(), Some(&Instruction::Hangup));
    handle(
        &mut c,
        &l,
        ended(0, DialStatus::Answered, Some("CAb")),
        at(40),
    );
    assert_eq!(c.answered_by, Some(UserId(2)));
    // Alice picked up and never got the call: she did not accept it, as far as the log goes.
    assert_eq!(c.attempts[0].outcome, AttemptOutcome::NotAccepted);
}

#[test]
fn legs_that_never_picked_up_ring_again_only_if_the_pickup_came_before_the_end() {
    for (pickup, rings_again) in [(3, true), (17, true), (19, false)] {
        let l = together_line(true);
        let mut c = crate::test_support::call(&l);
        start(&mut c, &l, T0);
        handle(&mut c, &l, picked_up(0, Some(0), None, "CAa"), at(pickup));
        let t = handle(
            &mut c,
            &l,
            ended(0, DialStatus::NoAnswer, None),
            at(pickup + 15),
        );
        let legs = dial_legs(&t);
        if rings_again {
            assert_eq!(legs.len(), 1, "pickup at {pickup}: {t:?}");
            assert_eq!(legs[0].0, "+14155550102");
            assert_eq!(c.phase, Phase::Dialing { step: 0 });
            assert_eq!(c.attempts[1].outcome, AttemptOutcome::Canceled);
            assert_eq!(c.attempts[2].leg, 1);
            // A repeated request gets the same dial of Bob alone.
            let again = resume(&c, &l);
            assert!(matches!(&again[0], Instruction::Dial { legs, .. } if legs.len() == 1));
        } else {
            // Carol, the next step.
            assert_eq!(legs[0].0, "+14155550103", "pickup at {pickup}: {t:?}");
        }
        assert_eq!(c.attempts[0].outcome, AttemptOutcome::NotAccepted);
    }
}

#[test]
fn the_caller_hanging_up_ends_every_leg() {
    let l = together_line(false);
    let mut c = crate::test_support::call(&l);
    start(&mut c, &l, T0);
    handle(
        &mut c,
        &l,
        Event::CallEnded {
            duration_secs: Some(9),
        },
        at(9),
    );
    assert!(c
        .attempts
        .iter()
        .all(|a| a.outcome == AttemptOutcome::CallerHungUp));
    assert_eq!(c.outcome, Outcome::Abandoned);
}
