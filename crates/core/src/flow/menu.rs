//! The line's caller menu: the prompt, the key the caller presses, and the chosen option's
//! plan (resolved by the shell when the key arrives, passed in with the event).

use super::*;
use crate::line::Menu;
use crate::plan::{MenuChoice, Plan};

/// What the caller's leg does for the menu.
pub(super) fn instruction(menu: &Menu) -> Instruction {
    Instruction::Menu {
        prompt: menu.prompt.clone(),
        timeout_secs: menu.timeout_secs,
        action: Callback::Menu,
    }
}

/// The call waits for a key.
pub(super) fn offer(call: &mut Call, menu: &Menu, t: &mut Transition) {
    call.phase = Phase::Menu { tries: 0 };
    // Nothing is chosen yet (the plan is the default option's until a key decides).
    call.plan.choice = None;
    t.log(EventKind::Decision, "Playing the caller menu");
    t.instructions.push(instruction(menu));
}

/// The caller pressed `digits` (or nothing in time). A key of an option follows that
/// option's plan; no key takes the default option; a wrong key plays the menu once more,
/// a second wrong key takes the default.
pub(super) fn answered(
    call: &mut Call,
    line: &Line,
    digits: Option<String>,
    plans: Vec<Plan>,
    now: Timestamp,
    t: &mut Transition,
) {
    let Phase::Menu { tries } = call.phase else {
        t.log(EventKind::Decision, "Ignored a late menu answer");
        t.instructions = resume(call, line);
        return;
    };
    let Some(menu) = &line.menu else {
        // The menu was removed while the caller listened: the plan the call started with.
        t.log(
            EventKind::Decision,
            "The line's menu was removed meanwhile: following the call's plan",
        );
        start::route(call, line, now, t);
        return;
    };
    let pressed = digits.filter(|d| !d.trim().is_empty());
    let (index, option, by_key) = match pressed.as_deref().and_then(|d| menu.option(d.trim())) {
        Some((i, o)) => (i, o, true),
        None => {
            match &pressed {
                Some(d) if tries == 0 => {
                    call.phase = Phase::Menu { tries: 1 };
                    t.log(
                        EventKind::Decision,
                        format!("Pressed '{d}': not an option; playing the menu once more"),
                    );
                    t.instructions.push(Instruction::Say(system_message(
                        NOT_AN_OPTION_TEXT,
                        &menu.prompt,
                    )));
                    t.instructions.push(instruction(menu));
                    return;
                }
                Some(d) => t.log(
                    EventKind::Decision,
                    format!("Pressed '{d}': not an option again"),
                ),
                None => t.log(EventKind::Decision, "No key pressed in time"),
            }
            let (i, o) = menu.default_option();
            (i, o, false)
        }
    };
    t.log(
        EventKind::Decision,
        match by_key {
            true => format!("Pressed {}: {}", option.key, option.name),
            false => format!("Taking the default option {}: {}", option.key, option.name),
        },
    );
    let mut plan = plans.get(index).cloned().unwrap_or_else(Plan::nobody);
    plan.pin_label = call.plan.pin_label.take();
    plan.choice = Some(MenuChoice {
        option: index,
        key: option.key,
        name: option.name.clone(),
        pressed: by_key,
    });
    call.plan = plan;
    start::route(call, line, now, t);
}
