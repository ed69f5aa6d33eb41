//! Recordings: what the provider reports, and where our copy is.

use super::*;

/// What a recording holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// A recording the provider made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
