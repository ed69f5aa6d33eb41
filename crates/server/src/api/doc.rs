//! The API's OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! attributes and the types they take and answer, served at `/api/v1/openapi.json`.

use super::*;
use std::sync::OnceLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard API",
        description = "Live call routing: lines, schedules, the call log, incidents, and the people who answer.\n\nEvery request but logging in carries an API token (`Authorization: Bearer sb_…`, made with `POST /tokens` or `switchboard token create`) or a browser session (the `sb_session` cookie, with its CSRF token in `X-CSRF-Token` on every change). Every error answers with one envelope, `{\"error\": {\"code\", \"message\", \"field\"?}}`.",
        license(name = "AGPL-3.0-or-later")
    ),
    servers((url = "/api/v1", description = "This server")),
    paths(
        users::create_user,
        users::list_users,
        users::get_user,
        users::update_user,
        users::delete_user,
        crate::accounts::routes::set_role,
        teams::create_team,
        teams::list_teams,
        teams::get_team,
        teams::rename_team,
        teams::delete_team,
        teams::add_member,
        teams::remove_member,
        schedules::rotate_user_feed,
        cover::create_cover,
        cover::list_covers,
        cover::accept_cover,
        cover::decline_cover,
        cover::withdraw_cover,
        schedules::create_schedule,
        schedules::list_schedules,
        schedules::get_schedule,
        schedules::update_schedule,
        schedules::delete_schedule,
        schedules::add_layer,
        schedules::update_layer,
        schedules::delete_layer,
        schedules::add_override,
        schedules::delete_override,
        schedules::get_on_call,
        schedules::get_shifts,
        schedules::rotate_schedule_feed,
        audio::put_message_audio,
        audio::delete_message_audio,
        channels::create_channel,
        channels::list_channels,
        channels::get_channel,
        channels::update_channel,
        channels::delete_channel,
        lines::create_line,
        lines::list_lines,
        lines::get_line,
        lines::update_line,
        lines::delete_line,
        lines::get_contact_card,
        coverage::get_coverage,
        coverage::get_routing,
        lines::start_test_mode,
        lines::stop_test_mode,
        calls::list_calls,
        calls::export_calls,
        calls::get_call,
        calls::delete_call,
        calls::erase_caller,
        incidents::incident_from_call,
        integrations::create_integration,
        integrations::list_integrations,
        integrations::get_integration,
        integrations::delete_integration,
        incidents::create_incident,
        incidents::list_incidents,
        incidents::get_incident,
        incidents::update_incident,
        incidents::add_note,
        incidents::link_call,
        incidents::unlink_call,
        crate::audit::list_audit,
        configuration::export_configuration,
        configuration::plan_configuration,
        configuration::apply_configuration,
        calls::archive_call,
        calls::unarchive_call,
        calls::get_recording_media,
        crate::accounts::routes::me,
        users::update_me,
        crate::accounts::routes::my_sessions,
        crate::accounts::routes::end_my_session,
        crate::accounts::tokens::create_token,
        crate::accounts::tokens::list_tokens,
        crate::accounts::tokens::revoke_token,
        crate::accounts::routes::logout,
        crate::accounts::routes::logout_everywhere,
        crate::accounts::routes::login,
        crate::accounts::routes::setup,
        crate::accounts::sso::start,
        crate::accounts::sso::callback
    ),
    components(schemas(error::ErrorBody)),
    modifiers(&Security, &Errors),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "users", description = "The people who answer: their numbers, time zones and roles."),
        (name = "teams", description = "Teams own lines, schedules and channels; members act on their teams' only."),
        (name = "schedules", description = "Who is on call when: layers, overrides, shifts, cover requests, calendar feeds."),
        (name = "lines", description = "A phone number, whom its calls ring and what callers hear."),
        (name = "channels", description = "Slack, Teams and email channels told about every call."),
        (name = "calls", description = "The call log: every call with its whole story and recordings."),
        (name = "incidents", description = "Incidents opened by calls or by hand."),
        (name = "integrations", description = "The tools incidents are sent to: PagerDuty, incident.io, any Standard Webhooks receiver."),
        (name = "audit", description = "Who changed what, and when."),
        (name = "configuration", description = "The whole setup as one TOML file, by names: export it, plan and apply a changed one (owners only)."),
        (name = "accounts", description = "Logging in, sessions and API tokens.")
    )
)]
pub struct ApiDoc;

/// The two ways to authenticate.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token: `sb_` and 43 characters, from `POST /tokens` or `switchboard token create`.",
                    ))
                    .build(),
            ),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::accounts::session::COOKIE,
                "A browser session from `POST /login`; every change also sends its CSRF token in `X-CSRF-Token`.",
            ))),
        );
    }
}

/// Every operation's other answers: the error envelope.
struct Errors;

impl Modify for Errors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let error: RefOr<Response> = ResponseBuilder::new()
            .description("An error: the status says which kind, the envelope what to fix.")
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .into();
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                op.responses
                    .responses
                    .entry("default".to_owned())
                    .or_insert_with(|| error.clone());
            }
        }
    }
}

/// A recording's bytes, as sent or answered (WAV or MP3).
pub struct AudioFile;

impl utoipa::PartialSchema for AudioFile {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("The audio file's bytes: WAV or MP3."))
            .into()
    }
}

impl utoipa::ToSchema for AudioFile {}

/// The document, as JSON, made once.
pub fn json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .expect("the document serializes")
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json(),
    )
}
