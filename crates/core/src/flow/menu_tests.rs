//! The caller menu's decisions: the key picks the option (its plan as the shell resolved it
//! when the key arrived), no key the default, a wrong key the menu once more, then the
//! default; a late answer changes nothing; hanging up during the menu abandons the call.

use super::*;
use crate::line::{Menu, MenuOption, Routing, RoutingStep};
use crate::plan::Plan;
use crate::UserId;

const NOW: Timestamp = Timestamp::UNIX_EPOCH;

fn menu_line() -> Line {
    let mut line = crate::test_support::line(vec![RoutingStep::User(UserId(1))]);
    let option = |key, name: &str, user| MenuOption {
        key,
        name: name.into(),
        routing: Routing {
            steps: vec![RoutingStep::User(UserId(user))],
            ring_timeout_secs: 20,
        },
        no_one_on_call: None,
        no_answer: None,
    };
    line.menu = Some(Menu {
        prompt: Message::spoken("For payments, press 1. Otherwise, press 2."),
        options: vec![option(1, "Payments", 2), option(2, "Other", 3)],
        default_key: 2,
        timeout_secs: 5,
    });
    line
}

/// Each option's plan, as the shell resolves it (Bob for Payments, Carol for Other).
fn plans(line: &Line) -> Vec<Plan> {
    line.menu
        .iter()
        .flat_map(|m| m.options.iter())
        .map(|o| {
            let l = crate::test_support::line(o.routing.steps.clone());
            crate::test_support::call(&l).plan
        })
        .collect()
}

fn answered(call: &mut Call, line: &Line, digits: Option<&str>) -> Transition {
    handle(
        call,
        line,
        Event::MenuAnswered {
            digits: digits.map(str::to_owned),
            plans: plans(line),
        },
        NOW,
    )
}

fn dialed(t: &Transition) -> Option<String> {
    t.instructions.iter().find_map(|i| match i {
        Instruction::Dial { legs, .. } => Some(legs[0].number.to_string()),
        _ => None,
    })
}

#[test]
fn the_menu_comes_after_the_welcome_and_dials_nobody_yet() {
    let line = menu_line();
    let mut call = crate::test_support::call(&line);
    let t = start(&mut call, &line, NOW);
    assert_eq!(call.phase, Phase::Menu { tries: 0 });
    assert!(matches!(t.instructions[0], Instruction::Say(_)));
    assert!(matches!(
        t.instructions[1],
        Instruction::Menu {
            timeout_secs: 5,
            action: Callback::Menu,
            ..
        }
    ));
    assert_eq!(dialed(&t), None);
    // Asked again (a retried webhook), the menu is played again.
    assert!(matches!(resume(&call, &line)[0], Instruction::Menu { .. }));
}

#[test]
fn a_key_picks_its_option_and_no_key_the_default() {
    let line = menu_line();
    let mut call = crate::test_support::call(&line);
    start(&mut call, &line, NOW);
    let t = answered(&mut call, &line, Some("1"));
    assert_eq!(dialed(&t).as_deref(), Some("+14155550102"));
    assert_eq!(
        call.plan.choice.as_ref().map(|c| (c.key, c.pressed)),
        Some((1, true))
    );
    assert!(t.log.iter().any(|(_, m)| m == "Pressed 1: Payments"));
    // A late second answer changes nothing.
    let late = answered(&mut call, &line, Some("2"));
    assert_eq!(dialed(&late).as_deref(), Some("+14155550102"));
    assert_eq!(call.plan.choice.as_ref().unwrap().key, 1);

    let mut call = crate::test_support::call(&line);
    start(&mut call, &line, NOW);
    let t = answered(&mut call, &line, None);
    assert_eq!(dialed(&t).as_deref(), Some("+14155550103"));
    assert_eq!(
        call.plan.choice.as_ref().map(|c| (c.key, c.pressed)),
        Some((2, false))
    );
}

#[test]
fn a_wrong_key_replays_the_menu_once_then_takes_the_default() {
    let line = menu_line();
    let mut call = crate::test_support::call(&line);
    start(&mut call, &line, NOW);
    let t = answered(&mut call, &line, Some("7"));
    assert_eq!(call.phase, Phase::Menu { tries: 1 });
    assert!(matches!(&t.instructions[0], Instruction::Say(m) if m.text == NOT_AN_OPTION_TEXT));
    assert!(matches!(t.instructions[1], Instruction::Menu { .. }));
    let t = answered(&mut call, &line, Some("9"));
    assert_eq!(dialed(&t).as_deref(), Some("+14155550103"));
    assert_eq!(call.plan.choice.as_ref().map(|c| c.pressed), Some(false));
    assert_eq!(call.path(), "default 2: Other → Carol is ringing");
}

#[test]
fn hanging_up_during_the_menu_abandons_the_call() {
    let line = menu_line();
    let mut call = crate::test_support::call(&line);
    start(&mut call, &line, NOW);
    handle(
        &mut call,
        &line,
        Event::CallEnded {
            duration_secs: Some(4),
        },
        NOW,
    );
    assert_eq!(call.outcome, Outcome::Abandoned);
    assert!(call.attempts.is_empty());
}

#[test]
fn test_mode_skips_the_menu() {
    let line = menu_line();
    let mut call = crate::test_support::call(&line);
    call.plan.test_mode = true;
    let t = start(&mut call, &line, NOW);
    assert!(dialed(&t).is_some());
    assert!(!t
        .instructions
        .iter()
        .any(|i| matches!(i, Instruction::Menu { .. })));
}

#[test]
fn a_menu_removed_while_the_caller_listens_follows_the_calls_plan() {
    let mut line = menu_line();
    let mut call = crate::test_support::call(&line);
    start(&mut call, &line, NOW);
    line.menu = None;
    let t = answered(&mut call, &line, Some("1"));
    // The plan the call started with (the line's own routing here): Alice.
    assert_eq!(dialed(&t).as_deref(), Some("+14155550101"));
    assert!(t.log.iter().any(|(_, m)| m.contains("menu was removed")));
}

#[test]
fn an_option_rings_for_its_own_ring_time() {
    let mut line = menu_line();
    line.menu.as_mut().unwrap().options[0]
        .routing
        .ring_timeout_secs = 45;
    let timeout = |t: &Transition| {
        t.instructions.iter().find_map(|i| match i {
            Instruction::Dial { timeout_secs, .. } => Some(*timeout_secs),
            _ => None,
        })
    };
    let mut call = crate::test_support::call(&line);
    start(&mut call, &line, NOW);
    let t = answered(&mut call, &line, Some("1"));
    assert_eq!(timeout(&t), Some(45));
    assert!(
        t.log.iter().any(|(_, m)| m.ends_with("for 45 s")),
        "{:?}",
        t.log
    );
    // The other option keeps its own (20 s), whatever the line's routing says.
    line.routing.ring_timeout_secs = 30;
    let mut call = crate::test_support::call(&line);
    start(&mut call, &line, NOW);
    let t = answered(&mut call, &line, Some("2"));
    assert_eq!(timeout(&t), Some(20));
}

#[test]
fn a_pin_gate_comes_before_the_menu_and_its_label_stays_with_the_chosen_plan() {
    let mut line = menu_line();
    line.pins = vec![crate::line::LinePin {
        label: "Acme Corp".into(),
        pin: "4321".into(),
    }];
    let new = NewCall {
        provider: crate::line::Provider::Twilio,
        provider_call_id: "CA9".into(),
        account_id: None,
        caller: crate::call::CallerInfo {
            number: "+14155550199".into(),
            ..Default::default()
        },
        to: "+15005550006".into(),
    };
    let plan = crate::test_support::call(&line).plan;
    let (mut call, t) = incoming(&line, new, plan, None, NOW);
    assert_eq!(call.phase, Phase::Pin { tries: 0 });
    assert!(matches!(
        t.instructions[1],
        Instruction::AskForCode {
            action: Callback::Pin,
            ..
        }
    ));
    // Nobody hears of the call before the caller is let through.
    assert!(t.jobs.is_empty());
    let t = handle(
        &mut call,
        &line,
        Event::PinEntered {
            digits: Some("4321".into()),
        },
        NOW,
    );
    assert_eq!(call.phase, Phase::Menu { tries: 0 });
    assert_eq!(call.plan.pin_label.as_deref(), Some("Acme Corp"));
    assert_eq!(dialed(&t), None);
    let t = answered(&mut call, &line, Some("1"));
    assert_eq!(dialed(&t).as_deref(), Some("+14155550102"));
    assert_eq!(call.plan.pin_label.as_deref(), Some("Acme Corp"));
    assert!(call
        .path()
        .starts_with("PIN of Acme Corp → pressed 1: Payments"));
    // A late PIN changes nothing.
    handle(
        &mut call,
        &line,
        Event::PinEntered {
            digits: Some("0000".into()),
        },
        NOW,
    );
    assert_eq!(call.plan.pin_label.as_deref(), Some("Acme Corp"));
}
