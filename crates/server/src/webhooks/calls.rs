//! The call's webhooks: incoming call, dial result, screening, voicemail, recordings, end of
//! call. Each handler is: its extractor verifies the request and loads the line and the call
//! → core decides → one transaction saves → the provider's document is rendered. Failures are
//! answered by the route's guard ([`super::guard`]).

use super::extract::{load_call, OnCall};
use super::failure::Failure;
use super::{summarize, xml, Verified};
use crate::app::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use switchboard_core::call::{Call, CallEvent, RecordingKind};
use switchboard_core::flow::{self, Event, Instruction, Transition};
use switchboard_core::line::Line;
use switchboard_core::plan::Plan;
use switchboard_core::store::StoreError;
use switchboard_core::{CallId, PhoneNumber};

/// What a voice webhook answers: the provider's document, or a failure for the guard.
type Voice = Result<Response, Failure>;
/// What a callback answers: 204, or a failure for the guard.
type Callback = Result<StatusCode, Failure>;

pub(super) fn events(now: Timestamp, first: String, t: &Transition) -> Vec<CallEvent> {
    let mut out = vec![CallEvent {
        at: now,
        kind: switchboard_core::call::EventKind::Webhook,
        message: first,
    }];
    out.extend(t.log.iter().map(|(kind, message)| CallEvent {
        at: now,
        kind: *kind,
        message: message.clone(),
    }));
    out
}

fn render(state: &AppState, v: &Verified, call: CallId, instructions: &[Instruction]) -> Response {
    let urls = crate::urls::Urls::new(&state.config.public_url);
    let url_for = |c| urls.callback(&v.line, call, c);
    // With the carrier's transcription, the voicemail's <Record> asks for it.
    // (Copied only then: every other document renders as core made it.)
    if !matches!(
        state.config.transcription,
        Some(crate::transcribe::Engine::Carrier)
    ) {
        return xml(v.provider.render(instructions, &url_for));
    }
    let mut instructions = instructions.to_vec();
    for i in &mut instructions {
        if let Instruction::Record { transcribe, .. } = i {
            transcribe.get_or_insert(flow::Callback::Transcript);
        }
    }
    xml(v.provider.render(&instructions, &url_for))
}

/// `POST /hooks/{provider}/{token}/voice`: a new call.
pub async fn incoming_call(State(st): State<AppState>, v: Verified) -> Voice {
    {
        let incoming = v.provider.incoming(&v.form).map_err(malformed)?;
        let now = st.clock.now();
        let number = &incoming.caller.number;
        let recent = match flow::flood_window(&v.line, number, now) {
            Some(since) => st.store.count_calls_from(v.line.id, number, since).await?,
            None => 0,
        };
        let refused = flow::refusal(&v.line, number, recent);
        let (plan, responder) = match refused {
            Some(_) => (Plan::nobody(), None),
            None => {
                let users = crate::directory::Users::At(now);
                let dir = crate::directory::load_in(&st, &v.snapshot, &v.line, users).await?;
                // A responder with a call-back PIN calling from their own number is asked
                // for it (every user is in the snapshot already).
                let responder = match PhoneNumber::parse(number) {
                    Ok(n) => v
                        .snapshot
                        .users(&*st.store)
                        .await?
                        .values()
                        .find(|u| u.has_callback_pin && u.has_number(&n))
                        .map(|u| (u.id, u.name.clone())),
                    Err(_) => None,
                };
                (
                    switchboard_core::routing::plan_at(&v.line, &dir, now),
                    responder,
                )
            }
        };
        let new = flow::NewCall {
            provider: v.line.provider,
            provider_call_id: incoming.provider_call_id.clone(),
            account_id: incoming.account_id.clone(),
            caller: incoming.caller.clone(),
            to: incoming.to.clone(),
        };
        let (call, t) = match responder {
            Some(r) => flow::responder_calls(&v.line, new, r, plan, now),
            None => flow::incoming(&v.line, new, plan, refused.as_deref(), now),
        };
        let first = format!(
            "Incoming {} call from {} to {}",
            v.provider.name(),
            incoming.caller.number,
            incoming.to
        );
        let (stored, created) = st
            .store
            .start_call(&call, &events(now, first, &t), &t.jobs)
            .await?;
        tracing::Span::current().record("call", stored.id.0);
        let instructions = if created {
            st.metrics.inc(
                "switchboard_calls_started_total",
                &[("provider", v.provider.name())],
            );
            t.instructions
        } else {
            // The provider retried the first webhook: answer for where the call is now.
            flow::answer_again(&stored, &v.line)
        };
        Ok(render(&st, &v, stored.id, &instructions))
    }
}

/// Loads the call, applies `event`, saves; retries when another request changed the call
/// in between. Returns the instructions for the provider.
pub(super) async fn apply(
    state: &AppState,
    line: &Line,
    call_id: CallId,
    event: Event,
    webhook: String,
    at: Option<Timestamp>,
) -> Result<Vec<Instruction>, Failure> {
    let call = state.store.get_call(call_id).await?;
    apply_to(state, line, call, event, webhook, at).await
}

/// [`apply`] to a call the handler already read (one read per webhook); it is read again
/// only when another request changed it in between.
pub(super) async fn apply_to(
    state: &AppState,
    line: &Line,
    loaded: Call,
    event: Event,
    webhook: String,
    at: Option<Timestamp>,
) -> Result<Vec<Instruction>, Failure> {
    let call_id = loaded.id;
    let mut next = Some(loaded);
    for _ in 0..8 {
        let mut call = match next.take() {
            Some(c) => c,
            None => state.store.get_call(call_id).await?,
        };
        if call.line_id != line.id {
            return Err(Failure::NotFound);
        }
        // `at`: when the provider sent it, for a webhook replayed from the spool.
        let now = at.unwrap_or_else(|| state.clock.now());
        let mut t = flow::handle(&mut call, line, event.clone(), now);
        // A voicemail is transcribed when the installation has an engine.
        for r in &mut t.recordings {
            r.transcribe = state.config.transcription.is_some();
        }
        match state
            .store
            .save_call(
                &call,
                &events(now, webhook.clone(), &t),
                &t.recordings,
                &t.jobs,
                t.incident.as_ref(),
                now,
            )
            .await
        {
            Ok(_) => return Ok(t.instructions),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Failure::Internal(
        format!("call {call_id} kept changing concurrently").into(),
    ))
}

/// Applies a running call's event and answers with the call's next document.
async fn answer<const CALLER_LEG: bool>(
    st: &AppState,
    c: OnCall<CALLER_LEG>,
    event: Event,
    what: String,
) -> Voice {
    let id = c.call.id;
    let instructions = apply_to(st, &c.v.line, c.call, event, what, None).await?;
    Ok(render(st, &c.v, id, &instructions))
}

fn malformed(e: switchboard_providers::ParseError) -> Failure {
    Failure::Malformed(e.to_string())
}

pub(super) fn parse_step(raw: &str) -> Result<usize, Failure> {
    raw.parse().map_err(|_| Failure::NotFound)
}

/// `POST …/calls/{call}/dial/{step}`: a dial ended.
pub async fn dial_ended(
    State(st): State<AppState>,
    Path((_, _, _, step)): Path<(String, String, String, String)>,
    c: OnCall<true>,
) -> Voice {
    let step = parse_step(&step)?;
    let event =
        c.v.provider
            .dial_ended(&c.v.form, step)
            .map_err(malformed)?;
    let what = format!(
        "Dial result for step {}: {}",
        step + 1,
        summarize(&c.v.form)
    );
    answer(&st, c, event, what).await
}

/// `?leg=N`: which leg of a step that rings several people together a request is about.
#[derive(serde::Deserialize)]
pub struct LegQuery {
    leg: Option<usize>,
}

/// `POST …/calls/{call}/screen/{step}[?leg=N]`: a responder picked up; with screening, tell
/// them who calls and ask for the key. Without `leg` (Plivo's one confirmSound per dial),
/// the leg is the one dialing the request's `To`.
pub async fn screen_prompt(
    State(st): State<AppState>,
    Path((_, _, _, step)): Path<(String, String, String, String)>,
    Query(q): Query<LegQuery>,
    c: OnCall<false>,
) -> Voice {
    let step = parse_step(&step)?;
    let what = format!("Pickup: a responder of step {} picked up", step + 1);
    let event = Event::ScreenPrompted {
        step,
        leg: q.leg,
        to: c.v.form.non_empty("To").map(str::to_owned),
        leg_id: c
            .v
            .form
            .non_empty("CallSid")
            .or_else(|| c.v.form.non_empty("CallUUID"))
            .map(str::to_owned),
    };
    answer(&st, c, event, what).await
}

/// `POST …/calls/{call}/screen/{step}/result[?leg=N]`: what the screened responder pressed.
pub async fn screen_result(
    State(st): State<AppState>,
    Path((_, _, _, step)): Path<(String, String, String, String)>,
    Query(q): Query<LegQuery>,
    c: OnCall<false>,
) -> Voice {
    let step = parse_step(&step)?;
    let event =
        c.v.provider
            .screen_result(&c.v.form, step, q.leg)
            .map_err(malformed)?;
    let what = format!(
        "Screening answer for step {}: {}",
        step + 1,
        summarize(&c.v.form)
    );
    answer(&st, c, event, what).await
}

/// `POST …/calls/{call}/menu`: the key the caller pressed in the line's menu (or none). Each
/// option's plan is resolved now, as the key arrives, and core picks.
pub async fn menu_answered(State(st): State<AppState>, c: OnCall<true>) -> Voice {
    let digits = c.v.form.non_empty("Digits").map(str::to_owned);
    let now = st.clock.now();
    let users = crate::directory::Users::At(now);
    let dir = crate::directory::load_in(&st, &c.v.snapshot, &c.v.line, users).await?;
    let plans = switchboard_core::routing::menu_plans(&c.v.line, &dir, now);
    let what = format!("Menu answer: {}", summarize(&c.v.form));
    answer(&st, c, Event::MenuAnswered { digits, plans }, what).await
}

/// `POST …/calls/{call}/pin`: the PIN the caller entered at the line's gate (or none). The
/// digits are never logged: the request's summary leaves them out.
pub async fn pin_entered(State(st): State<AppState>, c: OnCall<true>) -> Voice {
    let digits = c.v.form.non_empty("Digits").map(str::to_owned);
    let what = "PIN entered (digits not logged)".to_owned();
    answer(&st, c, Event::PinEntered { digits }, what).await
}

/// `POST …/calls/{call}/callback`: what a responder calling the line entered: their PIN
/// (checked here against its hash), then whom to call back. The digits are never logged.
pub async fn callback_keys(State(st): State<AppState>, c: OnCall<true>) -> Voice {
    let digits = c.v.form.non_empty("Digits").map(str::to_owned);
    let event = match c.call.phase {
        switchboard_core::call::Phase::CallBack { choosing: true, .. } => {
            Event::CallBackTarget { digits }
        }
        _ => {
            let entered = digits.as_deref().map(|d| d.trim().trim_end_matches('#'));
            let by = c.call.plan.callback.as_ref().map(|cb| cb.by);
            let verified = match (by, entered.filter(|d| !d.is_empty())) {
                (Some(u), Some(pin)) => match st.store.callback_pin(u).await? {
                    Some(hash) => crate::accounts::password::verify(pin, &hash).await,
                    None => false,
                },
                _ => false,
            };
            let last_unanswered = match verified {
                true => st.store.last_unanswered_caller(c.v.line.id).await?,
                false => None,
            };
            Event::CallBackPin {
                entered: entered.is_some_and(|d| !d.is_empty()),
                verified,
                last_unanswered,
            }
        }
    };
    answer(
        &st,
        c,
        event,
        "Call back: keys entered (digits not logged)".to_owned(),
    )
    .await
}

/// `POST …/calls/{call}/transcript`: the carrier's transcript of the call's voicemail.
pub async fn transcript(State(st): State<AppState>, c: OnCall<false>) -> Callback {
    transcript_event(&st, &c.v, &c.call).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stores a carrier's transcript of `call`'s voicemail (live, or replayed from the spool).
pub(super) async fn transcript_event(
    st: &AppState,
    v: &Verified,
    call: &Call,
) -> Result<(), Failure> {
    let (rec_id, transcript) = v.provider.transcript(&v.form).map_err(malformed)?;
    let recordings = st.store.list_recordings(call.id).await?;
    let voicemail = recordings
        .iter()
        .filter(|r| r.kind == RecordingKind::Voicemail)
        .find(|r| {
            rec_id
                .as_deref()
                .is_none_or(|id| r.provider_recording_id == id)
        });
    let Some(vm) = voicemail else {
        // The recording's own callback has not come yet: a carrier that retries sends it
        // again; nothing is stored half.
        return Err(Failure::Internal(
            "the voicemail this transcript belongs to is not known yet".into(),
        ));
    };
    // A transcript already made stays (a repeated callback changes nothing).
    if vm.transcript.as_ref().is_none_or(|t| t.pending()) {
        crate::transcribe::done(st, vm.id, transcript).await?;
    }
    Ok(())
}

/// `POST …/calls/{call}/voicemail`: the voicemail recording finished.
pub async fn voicemail_taken(State(st): State<AppState>, c: OnCall<true>) -> Voice {
    let event = c.v.provider.voicemail_taken(&c.v.form).map_err(malformed)?;
    let what = format!("Voicemail finished: {}", summarize(&c.v.form));
    answer(&st, c, event, what).await
}

/// `POST …/calls/{call}/recording/{kind}`: a recording is ready (or absent).
pub async fn recording_ready(
    State(st): State<AppState>,
    Path((_, _, _, kind)): Path<(String, String, String, String)>,
    c: OnCall<true>,
) -> Callback {
    recording_event(&st, &c.v, c.call, &kind, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Applies a recording callback about `call` (sent at `at` when replayed).
pub(super) async fn recording_event(
    state: &AppState,
    v: &Verified,
    call: Call,
    kind: &str,
    at: Option<Timestamp>,
) -> Result<(), Failure> {
    let kind = RecordingKind::parse(kind).ok_or(Failure::NotFound)?;
    let event = v.provider.recording(&v.form, kind).map_err(malformed)?;
    if let Some(event) = event {
        let what = format!(
            "Recording callback ({}): {}",
            kind.as_str(),
            summarize(&v.form)
        );
        apply_to(state, &v.line, call, event, what, at).await?;
    }
    Ok(())
}

/// `POST /hooks/{provider}/{token}/status`: the provider's call-status callback.
pub async fn call_status(State(st): State<AppState>, v: Verified) -> Callback {
    status_event(&st, &v, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Applies a call-status callback (sent at `at` when replayed).
pub(super) async fn status_event(
    state: &AppState,
    v: &Verified,
    at: Option<Timestamp>,
) -> Result<(), Failure> {
    let event = v.provider.call_ended(&v.form).map_err(malformed)?;
    let Some(event) = event else {
        return Ok(());
    };
    let sid = v.provider.call_id(&v.form).unwrap_or_default();
    let call = match state.store.find_call(v.line.id, sid).await {
        Ok(c) => c,
        // A call Switchboard never answered (for example, rejected): nothing to update.
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let what = format!("Call status: {}", summarize(&v.form));
    apply_to(state, &v.line, call, event, what, at).await?;
    Ok(())
}

/// The call of a replayed webhook's URL (see [`load_call`]).
pub(super) async fn replayed_call(
    state: &AppState,
    v: &Verified,
    raw: &str,
    caller_leg: bool,
) -> Result<Call, Failure> {
    load_call(state, v, raw, caller_leg).await
}

/// Used by the failsafe voicemail: applies an event with the shared retry loop.
pub(super) async fn apply_for_failsafe(
    state: &AppState,
    line: &Line,
    call_id: CallId,
    event: Event,
    webhook: String,
    at: Timestamp,
) -> Result<(), StoreError> {
    match apply(state, line, call_id, event, webhook, Some(at)).await {
        Ok(_) => Ok(()),
        Err(Failure::NotFound) => Err(StoreError::NotFound),
        Err(Failure::Unavailable(e)) => Err(e),
        Err(Failure::Internal(e)) => Err(StoreError::Backend(e)),
        Err(Failure::Malformed(m) | Failure::BadRequest(m)) => Err(StoreError::Backend(m.into())),
        Err(Failure::Forbidden | Failure::Queued) => Err(StoreError::Backend(
            "the failsafe voicemail was refused".into(),
        )),
    }
}
