//! Who is calling.

use super::*;

/// Who is calling, as the provider describes them. Numbers are kept as sent when they are not
/// phone numbers (SIP URIs, `anonymous`), so nothing the provider said is lost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallerInfo {
    pub number: String,
    pub name: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
}

/// Longest caller detail kept, in characters (caller-ID names are 15; numbers and SIP URIs
/// are short): a provider's 6 KB "name" must not become a 6 KB screening prompt.
pub const MAX_CALLER_FIELD: usize = 64;

impl CallerInfo {
    /// The details as kept: control characters removed, each cut to [`MAX_CALLER_FIELD`]
    /// characters, empty ones dropped.
    pub fn tidy(self) -> Self {
        fn t(s: &str) -> String {
            s.chars()
                .filter(|c| !c.is_control())
                .take(MAX_CALLER_FIELD)
                .collect::<String>()
                .trim()
                .to_owned()
        }
        let opt = |s: Option<String>| s.map(|s| t(&s)).filter(|s| !s.is_empty());
        let number = t(&self.number);
        CallerInfo {
            number: if number.is_empty() {
                "anonymous".to_owned()
            } else {
                number
            },
            name: opt(self.name),
            city: opt(self.city),
            state: opt(self.state),
            zip: opt(self.zip),
            country: opt(self.country),
        }
    }
}
