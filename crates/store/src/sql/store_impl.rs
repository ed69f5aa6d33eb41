//! The [`Store`] port, answered by the store's statements.

use super::jobs::Finish;
use super::{Backend, SqlStore};
use async_trait::async_trait;
use jiff::Timestamp;
use switchboard_core::account::{Role, Session, Team};
use switchboard_core::call::{Call, CallEvent, Recording, RecordingReport};
use switchboard_core::channel::{Channel, ChannelId, NewChannel};
use switchboard_core::line::{Line, NewLine, TestMode};
use switchboard_core::schedule::{Schedule, ScheduleId};
use switchboard_core::store::{
    ApiToken, CallFilter, Job, JobStatus, NewApiToken, NewJob, Store, StoreResult, StoredSchedule,
};
use switchboard_core::user::{NewUser, User};
use switchboard_core::{CallId, LineId, RecordingId, TeamId, UserId};

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    async fn ping(&self) -> StoreResult<()> {
        SqlStore::ping(self).await
    }

    async fn create_user(&self, u: &NewUser, now: Timestamp) -> StoreResult<User> {
        self.insert_user(u, now).await
    }
    async fn get_user(&self, id: UserId) -> StoreResult<User> {
        self.user(id).await
    }
    async fn list_users(&self) -> StoreResult<Vec<User>> {
        self.users().await
    }
    async fn callback_pin(&self, id: UserId) -> StoreResult<Option<String>> {
        self.callback_pin_hash(id).await
    }
    async fn last_unanswered_caller(&self, line: LineId) -> StoreResult<Option<String>> {
        self.last_unanswered(line).await
    }
    async fn update_user(&self, id: UserId, u: &NewUser) -> StoreResult<User> {
        self.replace_user(id, u).await
    }
    async fn delete_user(&self, id: UserId) -> StoreResult<()> {
        self.remove_user(id).await
    }
    async fn create_account(
        &self,
        u: &NewUser,
        role: Role,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<User> {
        self.insert_account(u, role, password_hash, now).await
    }
    async fn setup_owner(
        &self,
        link_hash: &str,
        u: &NewUser,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<User> {
        self.first_owner(link_hash, u, password_hash, now).await
    }
    async fn user_login(&self, email: &str) -> StoreResult<(User, Option<String>)> {
        self.login_of(email).await
    }
    async fn set_password(&self, id: UserId, hash: Option<&str>) -> StoreResult<()> {
        self.put_password(id, hash).await
    }
    async fn set_role(&self, id: UserId, role: Role) -> StoreResult<User> {
        self.put_role(id, role).await
    }
    async fn count_accounts(&self) -> StoreResult<u64> {
        self.accounts().await
    }
    async fn create_setup_link(&self, hash: &str, expires_at: Timestamp) -> StoreResult<()> {
        self.insert_setup_link(hash, expires_at).await
    }
    async fn create_session(&self, id_hash: &str, s: &Session) -> StoreResult<()> {
        self.insert_session(id_hash, s).await
    }
    async fn get_session(&self, id_hash: &str) -> StoreResult<Session> {
        self.session(id_hash).await
    }
    async fn touch_session(&self, id_hash: &str, now: Timestamp) -> StoreResult<()> {
        self.seen(id_hash, now).await
    }
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        self.end_session(id_hash).await
    }
    async fn list_user_sessions(&self, id: UserId) -> StoreResult<Vec<(String, Session)>> {
        self.sessions_of(id).await
    }
    async fn delete_user_sessions(&self, id: UserId) -> StoreResult<u64> {
        self.end_sessions_of(id).await
    }
    async fn note_login_failure(
        &self,
        keys: &[String],
        at: Timestamp,
        forget_before: Timestamp,
    ) -> StoreResult<()> {
        self.add_login_failure(keys, at, forget_before).await
    }
    async fn delete_expired_sessions(
        &self,
        idle_since: Timestamp,
        made_since: Timestamp,
    ) -> StoreResult<u64> {
        self.end_expired_sessions(idle_since, made_since).await
    }
    async fn count_login_failures(&self, key: &str, since: Timestamp) -> StoreResult<u64> {
        self.login_failures(key, since).await
    }
    async fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        self.forget_login_failures(key).await
    }

    async fn set_user_feed_token(&self, id: UserId, token: &str) -> StoreResult<()> {
        self.set_user_feed(id, token).await
    }
    async fn user_by_feed_token(&self, token: &str) -> StoreResult<User> {
        self.user_by_feed(token).await
    }

    async fn create_team(&self, name: &str, now: Timestamp) -> StoreResult<Team> {
        self.insert_team(name, now).await
    }
    async fn get_team(&self, id: TeamId) -> StoreResult<Team> {
        self.team(id).await
    }
    async fn list_teams(&self) -> StoreResult<Vec<Team>> {
        self.teams().await
    }
    async fn rename_team(&self, id: TeamId, name: &str) -> StoreResult<Team> {
        SqlStore::rename_team(self, id, name).await
    }
    async fn delete_team(&self, id: TeamId) -> StoreResult<()> {
        self.remove_team(id).await
    }
    async fn add_team_member(&self, team: TeamId, user: UserId) -> StoreResult<()> {
        self.put_member(team, user).await
    }
    async fn remove_team_member(&self, team: TeamId, user: UserId) -> StoreResult<()> {
        self.remove_member(team, user).await
    }
    async fn create_sso_login(
        &self,
        state_hash: &str,
        verifier: &str,
        nonce: &str,
        now: Timestamp,
        forget_before: Timestamp,
    ) -> StoreResult<()> {
        self.insert_sso_login(state_hash, verifier, nonce, now, forget_before)
            .await
    }
    async fn take_sso_login(
        &self,
        state_hash: &str,
        not_before: Timestamp,
    ) -> StoreResult<(String, String)> {
        SqlStore::take_sso_login(self, state_hash, not_before).await
    }
    async fn call_counts(
        &self,
        edges: &[Timestamp],
        member: Option<UserId>,
    ) -> StoreResult<Vec<(usize, switchboard_core::call::Outcome, u64)>> {
        self.outcome_counts(edges, member).await
    }
    async fn create_draft(
        &self,
        user: UserId,
        d: &switchboard_core::draft::LineDraft,
        now: Timestamp,
    ) -> StoreResult<i64> {
        self.insert_draft(user, d, now).await
    }
    async fn get_draft(&self, id: i64) -> StoreResult<switchboard_core::store::StoredDraft> {
        self.draft(id).await
    }
    async fn save_draft(
        &self,
        id: i64,
        d: &switchboard_core::draft::LineDraft,
        line: Option<LineId>,
    ) -> StoreResult<()> {
        self.put_draft(id, d, line).await
    }
    async fn append_audit(&self, e: &switchboard_core::audit::AuditEntry) -> StoreResult<()> {
        self.insert_audit(e).await
    }
    async fn list_audit(
        &self,
        f: &switchboard_core::audit::AuditFilter,
    ) -> StoreResult<Vec<(i64, switchboard_core::audit::AuditEntry)>> {
        self.audit_events(f).await
    }
    async fn line_team(&self, id: LineId) -> StoreResult<Option<TeamId>> {
        self.team_of_line(id).await
    }
    async fn user_teams(&self, user: UserId) -> StoreResult<Vec<TeamId>> {
        self.teams_of(user).await
    }

    async fn create_schedule(
        &self,
        s: &Schedule,
        feed_token: &str,
        team: Option<TeamId>,
        now: Timestamp,
    ) -> StoreResult<StoredSchedule> {
        self.insert_schedule(s, feed_token, team, now).await
    }
    async fn get_schedule(&self, id: ScheduleId) -> StoreResult<StoredSchedule> {
        self.schedule(id).await
    }
    async fn schedule_version(&self, id: ScheduleId) -> StoreResult<i64> {
        SqlStore::schedule_version(self, id).await
    }
    async fn list_schedules(&self) -> StoreResult<Vec<StoredSchedule>> {
        self.schedules().await
    }
    async fn update_schedule(
        &self,
        id: ScheduleId,
        s: &Schedule,
        team: Option<TeamId>,
        version: i64,
    ) -> StoreResult<StoredSchedule> {
        self.replace_schedule(id, s, team, version).await
    }
    async fn set_schedule_feed_token(&self, id: ScheduleId, token: &str) -> StoreResult<()> {
        self.set_schedule_feed(id, token).await
    }
    async fn schedule_by_feed_token(&self, token: &str) -> StoreResult<StoredSchedule> {
        self.schedule_by_feed(token).await
    }
    async fn delete_schedule(&self, id: ScheduleId) -> StoreResult<()> {
        self.remove_schedule(id).await
    }

    async fn create_line(&self, l: &NewLine, token: &str, now: Timestamp) -> StoreResult<Line> {
        self.insert_line(l, token, now).await
    }
    async fn get_line(&self, id: LineId) -> StoreResult<Line> {
        self.line(id).await
    }
    async fn get_line_by_token(&self, token: &str) -> StoreResult<Line> {
        self.line_by_token(token).await
    }
    async fn config_version(&self) -> StoreResult<i64> {
        SqlStore::config_version(self).await
    }
    async fn list_lines(&self) -> StoreResult<Vec<Line>> {
        self.lines().await
    }
    async fn called_lines(&self) -> StoreResult<Vec<LineId>> {
        SqlStore::called_lines(self).await
    }
    async fn update_line(&self, id: LineId, l: &NewLine) -> StoreResult<Line> {
        self.replace_line(id, l).await
    }
    async fn set_test_mode(&self, id: LineId, t: Option<TestMode>) -> StoreResult<Line> {
        self.set_line_test_mode(id, t).await
    }
    async fn delete_line(&self, id: LineId) -> StoreResult<()> {
        self.hide_line(id).await
    }

    async fn start_call(
        &self,
        call: &Call,
        events: &[CallEvent],
        jobs: &[NewJob],
    ) -> StoreResult<(Call, bool)> {
        self.insert_call(call, events, jobs).await
    }
    async fn get_call(&self, id: CallId) -> StoreResult<Call> {
        self.call(id).await
    }
    async fn start_conversation(
        &self,
        call: &Call,
        events: &[CallEvent],
        jobs: &[NewJob],
        incident: Option<&switchboard_core::incident::auto::CallIncident>,
    ) -> StoreResult<(Call, bool)> {
        self.insert_conversation(call, events, jobs, incident).await
    }
    async fn conversations(
        &self,
        line: LineId,
        sender: Option<&str>,
        since: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Call>> {
        SqlStore::conversations(self, line, sender, since, limit).await
    }
    async fn count_calls_from(
        &self,
        line: LineId,
        caller_number: &str,
        since: Timestamp,
    ) -> StoreResult<u64> {
        self.calls_from(line, caller_number, since).await
    }
    async fn find_call(&self, line: LineId, provider_call_id: &str) -> StoreResult<Call> {
        self.call_by_provider_id(line, provider_call_id).await
    }
    async fn list_calls(&self, f: &CallFilter) -> StoreResult<Vec<Call>> {
        self.calls(f).await
    }
    async fn save_call(
        &self,
        call: &Call,
        events: &[CallEvent],
        recordings: &[RecordingReport],
        jobs: &[NewJob],
        incident: Option<&switchboard_core::incident::auto::CallIncident>,
        now: Timestamp,
    ) -> StoreResult<i64> {
        self.update_call(call, events, recordings, jobs, incident, now)
            .await
    }
    async fn create_incident(
        &self,
        incident: &switchboard_core::incident::Incident,
        change: &switchboard_core::incident::Change,
    ) -> StoreResult<switchboard_core::incident::Incident> {
        self.add_incident(incident, change).await
    }
    async fn save_incident(
        &self,
        incident: &switchboard_core::incident::Incident,
        change: &switchboard_core::incident::Change,
    ) -> StoreResult<switchboard_core::incident::Incident> {
        self.change_incident(incident, change).await
    }
    async fn get_incident(
        &self,
        id: switchboard_core::IncidentId,
    ) -> StoreResult<switchboard_core::incident::Incident> {
        self.incident(id).await
    }
    async fn list_incidents(
        &self,
        f: &switchboard_core::store::IncidentFilter,
    ) -> StoreResult<Vec<switchboard_core::incident::Incident>> {
        self.incidents(f).await
    }
    async fn incident_timeline(
        &self,
        id: switchboard_core::IncidentId,
    ) -> StoreResult<Vec<switchboard_core::incident::TimelineEntry>> {
        self.timeline(id).await
    }
    async fn incident_calls(&self, id: switchboard_core::IncidentId) -> StoreResult<Vec<CallId>> {
        self.incident_call_ids(id).await
    }
    async fn create_integration(
        &self,
        i: &switchboard_core::incident::integration::NewIntegration,
        now: Timestamp,
    ) -> StoreResult<switchboard_core::incident::integration::Integration> {
        self.insert_integration(i, now).await
    }
    async fn get_integration(
        &self,
        id: switchboard_core::incident::integration::IntegrationId,
    ) -> StoreResult<switchboard_core::incident::integration::Integration> {
        self.integration(id).await
    }
    async fn list_integrations(
        &self,
    ) -> StoreResult<Vec<switchboard_core::incident::integration::Integration>> {
        self.integrations().await
    }
    async fn delete_integration(
        &self,
        id: switchboard_core::incident::integration::IntegrationId,
    ) -> StoreResult<()> {
        self.remove_integration(id).await
    }
    async fn incident_jobs(&self, id: switchboard_core::IncidentId) -> StoreResult<Vec<JobStatus>> {
        self.incident_deliveries(id).await
    }
    async fn slack_message(
        &self,
        channel: ChannelId,
        call: CallId,
    ) -> StoreResult<Option<(String, String)>> {
        self.slack_message_of(channel, call).await
    }
    async fn save_slack_message(
        &self,
        channel: ChannelId,
        call: CallId,
        slack_channel: &str,
        ts: &str,
    ) -> StoreResult<()> {
        self.put_slack_message(channel, call, slack_channel, ts)
            .await
    }
    async fn user_by_slack_id(&self, slack_user: &str) -> StoreResult<User> {
        self.user_with_slack_id(slack_user).await
    }
    async fn create_cover_request(
        &self,
        r: &switchboard_core::schedule::cover::NewCoverRequest,
        now: Timestamp,
    ) -> StoreResult<switchboard_core::schedule::cover::CoverRequest> {
        self.insert_cover(r, now).await
    }
    async fn get_cover_request(
        &self,
        id: i64,
    ) -> StoreResult<switchboard_core::schedule::cover::CoverRequest> {
        self.cover(id).await
    }
    async fn list_cover_requests(
        &self,
        schedule: ScheduleId,
    ) -> StoreResult<Vec<switchboard_core::schedule::cover::CoverRequest>> {
        self.covers(schedule).await
    }
    async fn cover_requests_waiting_for(
        &self,
        coverer: switchboard_core::UserId,
    ) -> StoreResult<Vec<switchboard_core::schedule::cover::CoverRequest>> {
        self.covers_waiting(coverer).await
    }
    async fn close_cover_request(
        &self,
        id: i64,
        to: switchboard_core::schedule::cover::CoverStatus,
        now: Timestamp,
    ) -> StoreResult<switchboard_core::schedule::cover::CoverRequest> {
        self.close_cover(id, to, now).await
    }
    async fn accept_cover_request(
        &self,
        id: i64,
        schedule: &Schedule,
        version: i64,
        now: Timestamp,
    ) -> StoreResult<(
        switchboard_core::schedule::cover::CoverRequest,
        StoredSchedule,
    )> {
        self.accept_cover_with(id, schedule, version, now).await
    }
    async fn history_until(&self, id: ScheduleId) -> StoreResult<Option<Timestamp>> {
        self.recorded_until(id).await
    }
    async fn append_history(
        &self,
        id: ScheduleId,
        after: Option<Timestamp>,
        until: Timestamp,
        shifts: &[switchboard_core::store::HistoryShift],
    ) -> StoreResult<()> {
        self.add_history(id, after, until, shifts).await
    }
    async fn schedule_history(
        &self,
        id: ScheduleId,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<switchboard_core::store::HistoryShift>> {
        self.history_between(id, from, to).await
    }
    async fn call_incidents(
        &self,
        call: CallId,
    ) -> StoreResult<Vec<switchboard_core::incident::Incident>> {
        self.incidents_of_call(call).await
    }
    async fn list_call_jobs(&self, call: CallId) -> StoreResult<Vec<JobStatus>> {
        self.call_jobs(call).await
    }

    async fn failed_alerts(&self, limit: u32) -> StoreResult<Vec<JobStatus>> {
        self.failed_alert_jobs(limit).await
    }
    async fn create_channel(&self, c: &NewChannel, now: Timestamp) -> StoreResult<Channel> {
        self.insert_channel(c, now).await
    }
    async fn get_channel(&self, id: ChannelId) -> StoreResult<Channel> {
        self.channel(id).await
    }
    async fn update_channel(
        &self,
        id: ChannelId,
        name: &str,
        live_notices: bool,
    ) -> StoreResult<Channel> {
        self.change_channel(id, name, live_notices).await
    }
    async fn list_channels(&self) -> StoreResult<Vec<Channel>> {
        self.channels().await
    }
    async fn apply_setup(
        &self,
        changes: &[switchboard_core::setup::SetupChange],
        now: Timestamp,
    ) -> StoreResult<()> {
        self.write_setup(changes, now).await
    }
    async fn delete_channel(&self, id: ChannelId) -> StoreResult<()> {
        self.remove_channel(id).await
    }

    async fn append_events(&self, call: CallId, events: &[CallEvent]) -> StoreResult<()> {
        self.add_events(call, events).await
    }
    async fn list_events(&self, call: CallId) -> StoreResult<Vec<CallEvent>> {
        self.events(call).await
    }
    async fn set_call_archived(&self, id: CallId, archived: bool) -> StoreResult<()> {
        self.archive_call(id, archived).await
    }
    async fn delete_call(&self, id: CallId) -> StoreResult<Vec<Recording>> {
        self.remove_call(id).await
    }

    async fn list_recordings(&self, call: CallId) -> StoreResult<Vec<Recording>> {
        self.recordings(call).await
    }
    async fn get_recording(&self, id: RecordingId) -> StoreResult<Recording> {
        self.recording(id).await
    }
    async fn recordings_due(
        &self,
        line: LineId,
        before: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Recording>> {
        self.due(line, before, limit).await
    }
    async fn mark_recording_deleted(
        &self,
        id: RecordingId,
        event: &CallEvent,
    ) -> StoreResult<bool> {
        self.mark_deleted(id, event).await
    }
    async fn set_recording_media(&self, id: RecordingId, path: Option<&str>) -> StoreResult<()> {
        self.set_media(id, path).await
    }
    async fn set_transcript(
        &self,
        id: RecordingId,
        transcript: &switchboard_core::call::Transcript,
        event: Option<&CallEvent>,
    ) -> StoreResult<()> {
        self.put_transcript(id, transcript, event).await
    }

    async fn put_audio(
        &self,
        token: &str,
        content_type: &str,
        bytes: &[u8],
        now: Timestamp,
    ) -> StoreResult<()> {
        self.insert_audio(token, content_type, bytes, now).await
    }
    async fn get_audio(&self, token: &str) -> StoreResult<(String, Vec<u8>)> {
        self.audio(token).await
    }
    async fn delete_audio(&self, token: &str) -> StoreResult<()> {
        self.remove_audio(token).await
    }

    async fn create_api_token(
        &self,
        t: &NewApiToken,
        hash: &str,
        now: Timestamp,
    ) -> StoreResult<ApiToken> {
        self.insert_token(t, hash, now).await
    }
    async fn touch_api_token(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        self.used_token(id, now).await
    }
    async fn find_api_token(&self, hash: &str) -> StoreResult<ApiToken> {
        self.token_by_hash(hash).await
    }
    async fn list_api_tokens(&self) -> StoreResult<Vec<ApiToken>> {
        self.tokens().await
    }
    async fn delete_api_token(&self, id: i64) -> StoreResult<()> {
        self.remove_token(id).await
    }

    async fn enqueue_job(&self, job: &NewJob, run_at: Timestamp) -> StoreResult<()> {
        self.add_job(job, run_at).await
    }
    async fn claim_job(&self, now: Timestamp, lease_secs: i64) -> StoreResult<Option<Job>> {
        self.claim(now, lease_secs).await
    }
    async fn complete_job(&self, id: i64) -> StoreResult<()> {
        self.finish(id, Finish::Done).await
    }
    async fn retry_job(&self, id: i64, at: Timestamp, error: &str) -> StoreResult<()> {
        self.finish(id, Finish::Retry { at, error }).await
    }
    async fn fail_job(&self, id: i64, error: &str) -> StoreResult<()> {
        self.finish(id, Finish::Failed { error }).await
    }
    async fn defer_job(&self, id: i64, at: Timestamp, note: &str) -> StoreResult<()> {
        self.finish(id, Finish::Wait { at, note }).await
    }
}
