//! The API's routes, each with the methods it answers: the router is built from this table,
//! and the tests walk it (every protected route refuses anonymous requests and sessions
//! without their CSRF token).

use super::*;
use axum::http::Method;
use axum::routing::{get, post, MethodRouter};

/// Routes and the methods each answers.
pub struct Table {
    pub router: Router<AppState>,
    pub routes: Vec<(Method, &'static str)>,
}

impl Table {
    fn at(
        mut self,
        path: &'static str,
        methods: &[Method],
        handler: MethodRouter<AppState>,
    ) -> Self {
        self.routes
            .extend(methods.iter().map(|m| (m.clone(), path)));
        self.router = self.router.route(path, handler);
        self
    }
}

/// The routes behind [`super::authenticate`].
pub fn protected() -> Table {
    Table {
        router: Router::new(),
        routes: Vec::new(),
    }
    .at(
        "/users",
        &[Method::POST, Method::GET],
        post(users::create_user).get(users::list_users),
    )
    .at(
        "/users/{id}",
        &[Method::GET, Method::PATCH, Method::DELETE],
        get(users::get_user)
            .patch(users::update_user)
            .delete(users::delete_user),
    )
    .at(
        "/users/{id}/role",
        &[Method::PUT],
        axum::routing::put(crate::accounts::routes::set_role),
    )
    .at(
        "/teams",
        &[Method::POST, Method::GET],
        post(teams::create_team).get(teams::list_teams),
    )
    .at(
        "/teams/{id}",
        &[Method::GET, Method::PATCH, Method::DELETE],
        get(teams::get_team)
            .patch(teams::rename_team)
            .delete(teams::delete_team),
    )
    .at(
        "/teams/{id}/members/{user}",
        &[Method::PUT, Method::DELETE],
        axum::routing::put(teams::add_member).delete(teams::remove_member),
    )
    .at(
        "/users/{id}/calendar-feed",
        &[Method::POST],
        post(schedules::rotate_user_feed),
    )
    .at(
        "/schedules/{id}/cover-requests",
        &[Method::POST, Method::GET],
        post(cover::create_cover).get(cover::list_covers),
    )
    .at(
        "/cover-requests/{id}/accept",
        &[Method::POST],
        post(cover::accept_cover),
    )
    .at(
        "/cover-requests/{id}/decline",
        &[Method::POST],
        post(cover::decline_cover),
    )
    .at(
        "/cover-requests/{id}/withdraw",
        &[Method::POST],
        post(cover::withdraw_cover),
    )
    .at(
        "/schedules",
        &[Method::POST, Method::GET],
        post(schedules::create_schedule).get(schedules::list_schedules),
    )
    .at(
        "/schedules/{id}",
        &[Method::GET, Method::PATCH, Method::DELETE],
        get(schedules::get_schedule)
            .patch(schedules::update_schedule)
            .delete(schedules::delete_schedule),
    )
    .at(
        "/schedules/{id}/layers",
        &[Method::POST],
        post(schedules::add_layer),
    )
    .at(
        "/schedules/{id}/layers/{layer}",
        &[Method::PUT, Method::DELETE],
        axum::routing::put(schedules::update_layer).delete(schedules::delete_layer),
    )
    .at(
        "/schedules/{id}/overrides",
        &[Method::POST],
        post(schedules::add_override),
    )
    .at(
        "/schedules/{id}/overrides/{override}",
        &[Method::DELETE],
        axum::routing::delete(schedules::delete_override),
    )
    .at(
        "/schedules/{id}/on-call",
        &[Method::GET],
        get(schedules::get_on_call),
    )
    .at(
        "/schedules/{id}/shifts",
        &[Method::GET],
        get(schedules::get_shifts),
    )
    .at(
        "/schedules/{id}/calendar-feed",
        &[Method::POST],
        post(schedules::rotate_schedule_feed),
    )
    .at(
        "/lines/{id}/messages/{kind}/audio",
        &[Method::PUT, Method::DELETE],
        axum::routing::put(audio::put_message_audio)
            .delete(audio::delete_message_audio)
            .layer(axum::extract::DefaultBodyLimit::max(audio::MAX_AUDIO_BYTES)),
    )
    .at(
        "/channels",
        &[Method::POST, Method::GET],
        post(channels::create_channel).get(channels::list_channels),
    )
    .at(
        "/channels/{id}",
        &[Method::GET, Method::PATCH, Method::DELETE],
        get(channels::get_channel)
            .patch(channels::update_channel)
            .delete(channels::delete_channel),
    )
    .at(
        "/lines",
        &[Method::POST, Method::GET],
        post(lines::create_line).get(lines::list_lines),
    )
    .at(
        "/lines/{id}",
        &[Method::GET, Method::PATCH, Method::DELETE],
        get(lines::get_line)
            .patch(lines::update_line)
            .delete(lines::delete_line),
    )
    .at(
        "/lines/{id}/contact.vcf",
        &[Method::GET],
        get(lines::get_contact_card),
    )
    .at(
        "/lines/{id}/coverage",
        &[Method::GET],
        get(coverage::get_coverage),
    )
    .at(
        "/lines/{id}/routing",
        &[Method::GET],
        get(coverage::get_routing),
    )
    .at(
        "/lines/{id}/test-mode",
        &[Method::POST, Method::DELETE],
        post(lines::start_test_mode).delete(lines::stop_test_mode),
    )
    .at("/calls", &[Method::GET], get(calls::list_calls))
    .at(
        "/calls/export.csv",
        &[Method::GET],
        get(calls::export_calls),
    )
    .at(
        "/calls/{id}",
        &[Method::GET, Method::DELETE],
        get(calls::get_call).delete(calls::delete_call),
    )
    .at("/erasures", &[Method::POST], post(calls::erase_caller))
    .at(
        "/calls/{id}/incident",
        &[Method::POST],
        post(incidents::incident_from_call),
    )
    .at(
        "/integrations",
        &[Method::POST, Method::GET],
        post(integrations::create_integration).get(integrations::list_integrations),
    )
    .at(
        "/integrations/{id}",
        &[Method::GET, Method::DELETE],
        get(integrations::get_integration).delete(integrations::delete_integration),
    )
    .at(
        "/incidents",
        &[Method::POST, Method::GET],
        post(incidents::create_incident).get(incidents::list_incidents),
    )
    .at(
        "/incidents/{id}",
        &[Method::GET, Method::PATCH],
        get(incidents::get_incident).patch(incidents::update_incident),
    )
    .at(
        "/incidents/{id}/notes",
        &[Method::POST],
        post(incidents::add_note),
    )
    .at(
        "/incidents/{id}/calls/{call}",
        &[Method::PUT, Method::DELETE],
        axum::routing::put(incidents::link_call).delete(incidents::unlink_call),
    )
    .at("/audit", &[Method::GET], get(crate::audit::list_audit))
    .at(
        "/calls/{id}/archive",
        &[Method::POST],
        post(calls::archive_call),
    )
    .at(
        "/calls/{id}/unarchive",
        &[Method::POST],
        post(calls::unarchive_call),
    )
    .at(
        "/calls/{id}/recordings/{recording}/media",
        &[Method::GET],
        get(calls::get_recording_media),
    )
    .at(
        "/me",
        &[Method::GET, Method::PATCH],
        get(crate::accounts::routes::me).patch(users::update_me),
    )
    .at(
        "/me/sessions",
        &[Method::GET],
        get(crate::accounts::routes::my_sessions),
    )
    .at(
        "/me/sessions/{id}",
        &[Method::DELETE],
        axum::routing::delete(crate::accounts::routes::end_my_session),
    )
    .at(
        "/tokens",
        &[Method::POST, Method::GET],
        post(crate::accounts::tokens::create_token).get(crate::accounts::tokens::list_tokens),
    )
    .at(
        "/tokens/{id}",
        &[Method::DELETE],
        axum::routing::delete(crate::accounts::tokens::revoke_token),
    )
    .at(
        "/logout",
        &[Method::POST],
        post(crate::accounts::routes::logout),
    )
    .at(
        "/logout-everywhere",
        &[Method::POST],
        post(crate::accounts::routes::logout_everywhere),
    )
    .at(
        "/configuration",
        &[Method::GET],
        get(configuration::export_configuration),
    )
    .at(
        "/configuration/plan",
        &[Method::POST],
        post(configuration::plan_configuration),
    )
    .at(
        "/configuration/apply",
        &[Method::POST],
        post(configuration::apply_configuration),
    )
}

/// The routes open to anonymous requests: logging in, and the first owner's setup.
pub fn public() -> Table {
    Table {
        router: Router::new(),
        routes: Vec::new(),
    }
    .at(
        "/login",
        &[Method::POST],
        post(crate::accounts::routes::login),
    )
    .at(
        "/setup",
        &[Method::POST],
        post(crate::accounts::routes::setup),
    )
    .at(
        "/sso/start",
        &[Method::GET],
        get(crate::accounts::sso::start),
    )
    .at(
        "/sso/callback",
        &[Method::GET],
        get(crate::accounts::sso::callback),
    )
}
