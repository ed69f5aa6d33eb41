//! What happened during a simulated call, in order, on the virtual clock.

use std::fmt;

/// One line of the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Seconds since the call started.
    pub at: u32,
    pub text: String,
}

/// Everything a simulated call did.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub call_sid: String,
    pub entries: Vec<Entry>,
    /// Every sentence the caller heard.
    pub said: Vec<String>,
    /// Every audio file played to the caller: (URL, HTTP status of fetching it).
    pub played: Vec<(String, u16)>,
    /// Every number dialed, in order.
    pub dialed: Vec<String>,
    /// The number that was bridged to the caller, if any.
    pub connected_to: Option<String>,
    /// Every XML document the call executed, in order.
    pub documents: Vec<String>,
    /// (URL, HTTP status) of every request sent.
    pub requests: Vec<(String, u16)>,
    /// The caller left a voicemail of this many seconds.
    pub voicemail_secs: Option<u32>,
    /// The caller hung up (as opposed to the call being ended by the document).
    pub caller_hung_up: bool,
    /// The provider would have played its "application error" message.
    pub application_error: Option<String>,
    /// Total call length in seconds.
    pub duration_secs: u32,
    /// Recordings the simulator reported: (kind, sid, seconds).
    pub recordings: Vec<(String, String, u32)>,
    /// The HTTP status the carrier's transcription callback got, when one was sent.
    pub transcript_status: Option<u16>,
}

impl Transcript {
    pub(crate) fn log(&mut self, at: u32, text: impl Into<String>) {
        self.entries.push(Entry {
            at,
            text: text.into(),
        });
    }

    /// Whether the caller heard a sentence containing `needle`.
    pub fn heard(&self, needle: &str) -> bool {
        self.said.iter().any(|s| s.contains(needle))
    }
}

impl fmt::Display for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "call {}", self.call_sid)?;
        for e in &self.entries {
            writeln!(f, "[{:>4}s] {}", e.at, e.text)?;
        }
        write!(f, "ended after {} s", self.duration_secs)
    }
}
