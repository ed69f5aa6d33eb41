//! Recordings: what the provider reports, and where our copy is.

use super::*;

/// What a recording holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordingKind {
    /// The conversation between caller and responder.
    Call,
    /// A message the caller left.
    Voicemail,
}

impl RecordingKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordingKind::Call => "call",
            RecordingKind::Voicemail => "voicemail",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "call" => Some(RecordingKind::Call),
            "voicemail" => Some(RecordingKind::Voicemail),
            _ => None,
        }
    }
}

/// Where a recording's media is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordingStatus {
    /// Known to the provider; our copy is not fetched yet.
    Pending,
    /// Our copy is in storage.
    Stored,
    /// Fetching failed for good (the provider URL is kept).
    Failed,
    /// The provider reported no media (too short or silent).
    Absent,
    /// Our copy was deleted when the line's retention period ran out.
    Deleted,
}

impl RecordingStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordingStatus::Pending => "pending",
            RecordingStatus::Stored => "stored",
            RecordingStatus::Failed => "failed",
            RecordingStatus::Absent => "absent",
            RecordingStatus::Deleted => "deleted",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            RecordingStatus::Pending,
            RecordingStatus::Stored,
            RecordingStatus::Failed,
            RecordingStatus::Absent,
            RecordingStatus::Deleted,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// A voicemail's transcript, as far as it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Transcript {
    /// Being made. `note`: why the last try did not finish, while it is tried again ("the
    /// engine answered HTTP 429").
    Transcribing {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Made: the words.
    Done { text: String },
    /// Given up, and why.
    Failed { reason: String },
}

impl Transcript {
    /// Still being made.
    pub fn pending(&self) -> bool {
        matches!(self, Transcript::Transcribing { .. })
    }

    /// The words, once made.
    pub fn text(&self) -> Option<&str> {
        match self {
            Transcript::Done { text } => Some(text),
            _ => None,
        }
    }

    /// In words, for a page or a chat message: the text, "transcribing…", or why not.
    pub fn words(&self) -> String {
        match self {
            Transcript::Done { text } => text.clone(),
            Transcript::Transcribing { .. } => "transcribing…".to_owned(),
            Transcript::Failed { reason } => format!("no transcript: {reason}"),
        }
    }
}

/// A recording the provider made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Recording {
    pub id: RecordingId,
    pub call_id: CallId,
    pub kind: RecordingKind,
    pub provider_recording_id: String,
    pub provider_url: String,
    pub duration_secs: Option<u32>,
    pub status: RecordingStatus,
    /// Path of our copy, relative to the data directory.
    pub local_path: Option<String>,
    pub created_at: Timestamp,
    /// A voicemail's transcript, when the installation makes them.
    pub transcript: Option<Transcript>,
}

/// A recording as reported by the provider, to add or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingReport {
    pub kind: RecordingKind,
    pub provider_recording_id: String,
    pub provider_url: String,
    pub duration_secs: Option<u32>,
    /// `false` when the provider says the recording has no media.
    pub has_media: bool,
    /// A voicemail to transcribe (set by the server when the installation has a
    /// transcription engine): stored with its transcript "transcribing…" and its job.
    pub transcribe: bool,
}

impl RecordingReport {
    /// What becomes of a recording when the provider reports it, given what is stored of it
    /// (`None`: not yet known): its new status, and whether its media must be downloaded.
    /// A stored copy stays stored; a later report may say the media is absent after all; a
    /// new recording with media is fetched once.
    pub fn apply_to(&self, stored: Option<RecordingStatus>) -> (RecordingStatus, bool) {
        match (stored, self.has_media) {
            (Some(RecordingStatus::Stored), _) => (RecordingStatus::Stored, false),
            // Deleted by the retention period: a repeated report never brings it back.
            (Some(RecordingStatus::Deleted), _) => (RecordingStatus::Deleted, false),
            (Some(_), false) | (None, false) => (RecordingStatus::Absent, false),
            (Some(s), true) => (s, false),
            (None, true) => (RecordingStatus::Pending, true),
        }
    }
}
