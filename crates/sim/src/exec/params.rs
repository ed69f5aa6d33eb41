//! The parameters each carrier sends with its requests.

use super::*;

impl Run<'_> {
    pub(super) fn plivo_params(&self, status: &str, event: &str) -> Vec<(String, String)> {
        let s = self.spec;
        let mut p: Vec<(&str, String)> = vec![
            ("BillRate", "0.0085".into()),
            ("CallStatus", status.into()),
            ("CallUUID", self.call_sid.clone()),
            ("Direction", "inbound".into()),
            ("Event", event.into()),
            ("From", digits_only(&s.from)),
            ("ParentAuthID", s.account_sid.clone()),
            ("RequestUUID", self.call_sid.clone()),
            ("SessionStart", "2026-11-24 09:00:00.000000".into()),
            ("To", digits_only(&s.to)),
        ];
        if let Some(name) = &s.caller_name {
            p.push(("CallerName", name.clone()));
        }
        p.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    pub(super) fn base_params(&self, status: &str) -> Vec<(String, String)> {
        if self.plivo() {
            let event = if status == "ringing" {
                "StartApp"
            } else {
                "Redirect"
            };
            return self.plivo_params(status, event);
        }
        let s = self.spec;
        let mut p: Vec<(&str, String)> = vec![
            ("AccountSid", s.account_sid.clone()),
            ("ApiVersion", "2010-04-01".into()),
            ("CallSid", self.call_sid.clone()),
            ("CallStatus", status.into()),
            ("Called", s.to.clone()),
            ("CalledCity", String::new()),
            ("CalledCountry", "US".into()),
            ("CalledState", String::new()),
            ("CalledZip", String::new()),
            ("Caller", s.from.clone()),
            ("CallerCity", s.from_city.clone()),
            ("CallerCountry", s.from_country.clone()),
            ("CallerState", s.from_state.clone()),
            ("CallerZip", String::new()),
            ("Direction", "inbound".into()),
            ("From", s.from.clone()),
            ("FromCity", s.from_city.clone()),
            ("FromCountry", s.from_country.clone()),
            ("FromState", s.from_state.clone()),
            ("FromZip", String::new()),
            ("To", s.to.clone()),
            ("ToCity", String::new()),
            ("ToCountry", "US".into()),
            ("ToState", String::new()),
            ("ToZip", String::new()),
        ];
        if let Some(name) = &s.caller_name {
            p.push(("CallerName", name.clone()));
        }
        p.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    pub(super) fn plivo_recording_params(&self, id: &str, secs: i64) -> Vec<(String, String)> {
        let ms = if secs < 0 { -1 } else { secs * 1000 };
        vec![
            ("RecordUrl".to_owned(), self.recording_url(id)),
            ("RecordingID".to_owned(), id.to_owned()),
            ("RecordingDuration".to_owned(), secs.to_string()),
            ("RecordingDurationMs".to_owned(), ms.to_string()),
            ("RecordingStartMs".to_owned(), "1795510800000".to_owned()),
            (
                "RecordingEndMs".to_owned(),
                (1_795_510_800_000i64 + ms.max(0)).to_string(),
            ),
        ]
    }

    pub(super) fn recording_url(&self, rsid: &str) -> String {
        if self.plivo() {
            return format!(
                "{}/v1/Account/{}/Recording/{rsid}.mp3",
                self.spec.recording_base_url.trim_end_matches('/'),
                self.spec.account_sid
            );
        }
        format!(
            "{}/2010-04-01/Accounts/{}/Recordings/{rsid}",
            self.spec.recording_base_url.trim_end_matches('/'),
            self.spec.account_sid
        )
    }
}
