//! Executing TwiML as Twilio does, or Plivo XML as Plivo does, on a virtual clock.

use crate::{
    CallSpec, Carrier, OthersOnPickup, Responder, SignedUrlForm, Transcript, VoicemailScript,
};
use anyhow::Context;
use rand::Rng;
use switchboard_providers::plivo::signature as plivo_signature;
use switchboard_providers::twilio::signature;
use switchboard_providers::Form;

fn sid(prefix: &str) -> String {
    let mut rng = rand::thread_rng();
    let hex: String = (0..32)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).expect("digit < 16"))
        .collect();
    format!("{prefix}{hex}")
}

/// Seconds Twilio's text-to-speech takes for `text` (about 2.5 words a second).
fn speech_secs(text: &str) -> u32 {
    let words = text.split_whitespace().count() as u32;
    (words * 2).div_ceil(5).max(1)
}

struct Run<'a> {
    http: &'a reqwest::Client,
    spec: &'a CallSpec,
    call_sid: String,
    t: u32,
    caller_gone: bool,
    requests: usize,
    out: Transcript,
    /// A Plivo `<Record startOnDialAnswer>` waiting for the next answered dial:
    /// (action URL, callback URL).
    background_recording: Option<(String, Option<String>)>,
    /// Menus the caller has heard so far (the index into `menu_keys`).
    menus: usize,
    /// Codes the caller was asked for so far (the index into `codes`).
    codes: usize,
}

fn uuid() -> String {
    let h = sid("");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn digits_only(n: &str) -> String {
    n.trim_start_matches('+').to_owned()
}

/// A dialed number as E.164, whichever form the document wrote it in.
fn e164(n: &str) -> String {
    if n.starts_with('+') || !n.chars().all(|c| c.is_ascii_digit()) {
        n.to_owned()
    } else {
        format!("+{n}")
    }
}

/// The response to one request.
struct Fetched {
    status: u16,
    body: String,
}

impl<'a> Run<'a> {
    fn new(http: &'a reqwest::Client, spec: &'a CallSpec, call_sid: String) -> Self {
        Run {
            http,
            spec,
            call_sid: call_sid.clone(),
            t: 0,
            caller_gone: false,
            requests: 0,
            out: Transcript {
                call_sid,
                ..Default::default()
            },
            background_recording: None,
            menus: 0,
            codes: 0,
        }
    }

    fn plivo(&self) -> bool {
        self.spec.carrier == Carrier::Plivo
    }

    fn call_status(&self) -> &'static str {
        if self.caller_gone {
            "completed"
        } else {
            "in-progress"
        }
    }

    /// (where to send, what to sign) for a request to `url`, given the spec's `public_url`.
    fn proxied(&self, url: &str) -> (String, String) {
        let Some(public) = self
            .spec
            .public_url
            .as_deref()
            .map(|p| p.trim_end_matches('/'))
        else {
            return (url.to_owned(), url.to_owned());
        };
        let origin = origin_of(&self.spec.voice_url);
        if let Some(rest) = url.strip_prefix(public) {
            (format!("{origin}{rest}"), url.to_owned())
        } else if let Some(rest) = url.strip_prefix(origin.as_str()) {
            (url.to_owned(), format!("{public}{rest}"))
        } else {
            (url.to_owned(), url.to_owned())
        }
    }

    async fn post(
        &mut self,
        url: &str,
        params: Vec<(String, String)>,
        what: &str,
    ) -> anyhow::Result<Fetched> {
        if let Some(hook) = &self.spec.before_request {
            hook(self.requests, url.to_owned()).await;
        }
        self.requests += 1;
        let form = Form(params);
        // Behind a proxy: the provider requests (and signs) the public URL, the proxy forwards
        // to the server. `sent` is where the request goes, `url` what is signed.
        let (sent, signed) = self.proxied(url);
        let url = signed.as_str();
        let mut req = self.http.post(&sent).form(form.pairs());
        if let (Some(token), true) = (&self.spec.auth_token, self.plivo()) {
            let nonce: String = {
                let mut rng = rand::thread_rng();
                (0..20)
                    .map(|_| char::from(b'0' + rng.gen_range(0..10)))
                    .collect()
            };
            let sig = plivo_signature::sign(token, "POST", url, &form, &nonce);
            // Plivo also signs with the main account's token; we never know that one.
            let main = plivo_signature::sign("main-account-token", "POST", url, &form, &nonce);
            req = req
                .header("X-Plivo-Signature-V3", sig)
                .header("X-Plivo-Signature-Ma-V3", main)
                .header("X-Plivo-Signature-V3-Nonce", nonce);
        } else if let Some(token) = &self.spec.auth_token {
            let signed_url = match self.spec.signed_url_form {
                SignedUrlForm::AsRequested => url.to_owned(),
                SignedUrlForm::WithDefaultPort => with_default_port(url),
                SignedUrlForm::WithoutPort => without_port(url),
            };
            req = req.header(
                "X-Twilio-Signature",
                signature::sign(token, &signed_url, &form),
            );
        }
        let resp = req
            .send()
            .await
            .with_context(|| format!("POST {url} ({what}) failed"))?;
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        self.out.requests.push((url.to_owned(), status));
        self.out.log(
            self.t,
            format!("POST {} ({what}) -> {status}", path_of(url)),
        );
        Ok(Fetched { status, body })
    }

    /// Fetches a TwiML document; `None` (with the call ended) when it fails as Twilio
    /// would report an application error.
    async fn fetch_doc(
        &mut self,
        url: &str,
        params: Vec<(String, String)>,
        what: &str,
    ) -> anyhow::Result<Option<String>> {
        let f = self.post(url, params, what).await?;
        if !(200..300).contains(&f.status) {
            self.application_error(format!("HTTP {} from {what}", f.status));
            return Ok(None);
        }
        self.out.documents.push(f.body.clone());
        if roxmltree::Document::parse(&f.body).is_err() {
            self.application_error(format!("unparsable TwiML from {what}"));
            return Ok(None);
        }
        Ok(Some(f.body))
    }

    fn application_error(&mut self, why: String) {
        self.out
            .log(self.t, format!("application error: {why}; call ends"));
        self.out
            .said
            .push("An application error has occurred. Goodbye.".to_owned());
        self.out.application_error = Some(why);
    }

    /// Whether the caller hangs up before `until`; moves the clock to that moment if so.
    fn caller_hangs_up_before(&mut self, until: u32) -> bool {
        match self.spec.caller.hang_up_at {
            Some(h) if !self.caller_gone && h < until => {
                self.t = self.t.max(h);
                self.caller_gone = true;
                self.out.caller_hung_up = true;
                self.out.log(self.t, "caller hangs up");
                true
            }
            _ => false,
        }
    }

    async fn recording_callback(
        &mut self,
        url: Option<String>,
        kind: &str,
        rsid: &str,
        secs: u32,
        doc_url: &str,
    ) -> anyhow::Result<()> {
        self.out
            .recordings
            .push((kind.to_owned(), rsid.to_owned(), secs));
        let Some(url) = url else { return Ok(()) };
        let url = resolve(doc_url, &url)?;
        if self.plivo() {
            let mut p = self.base_params(self.call_status());
            p.extend(self.plivo_recording_params(rsid, secs as i64));
            let f = self.post(&url, p, "recording callback").await?;
            if !(200..300).contains(&f.status) {
                self.out
                    .log(self.t, format!("recording callback answered {}", f.status));
            }
            return Ok(());
        }
        let mut p = vec![
            ("AccountSid".to_owned(), self.spec.account_sid.clone()),
            ("CallSid".to_owned(), self.call_sid.clone()),
            ("RecordingSid".to_owned(), rsid.to_owned()),
            ("RecordingUrl".to_owned(), self.recording_url(rsid)),
            ("RecordingStatus".to_owned(), "completed".to_owned()),
            ("RecordingDuration".to_owned(), secs.to_string()),
            (
                "RecordingChannels".to_owned(),
                if kind == "DialVerb" { "2" } else { "1" }.to_owned(),
            ),
            ("RecordingSource".to_owned(), kind.to_owned()),
            (
                "RecordingStartTime".to_owned(),
                "Tue, 24 Nov 2026 09:00:00 +0000".to_owned(),
            ),
        ];
        p.push(("RecordingTrack".to_owned(), "both".to_owned()));
        let f = self.post(&url, p, "recording status callback").await?;
        if !(200..300).contains(&f.status) {
            self.out.log(
                self.t,
                format!("warning 15003: recording callback answered {}", f.status),
            );
        }
        Ok(())
    }
}

fn path_of(url: &str) -> &str {
    url.find("://")
        .and_then(|i| url[i + 3..].find('/').map(|j| &url[i + 3 + j..]))
        .unwrap_or(url)
}

fn with_default_port(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) if u.port().is_none() => {
            let port = if u.scheme() == "https" { 443 } else { 80 };
            let host = u.host_str().unwrap_or("");
            url.replacen(host, &format!("{host}:{port}"), 1)
        }
        _ => url.to_owned(),
    }
}

fn without_port(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.port().is_some() => {
            let _ = u.set_port(None);
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Resolves a URL in a document against the document's own URL, as Twilio does.
fn resolve(doc_url: &str, target: &str) -> anyhow::Result<String> {
    let base =
        url::Url::parse(doc_url).with_context(|| format!("document URL {doc_url} is invalid"))?;
    Ok(base
        .join(target.trim())
        .with_context(|| format!("'{target}' is not a URL"))?
        .to_string())
}

pub async fn incoming_only(
    http: &reqwest::Client,
    spec: &CallSpec,
) -> anyhow::Result<(u16, String)> {
    let mut run = Run::new(
        http,
        spec,
        spec.call_sid.clone().unwrap_or_else(|| sid("CA")),
    );
    let params = run.base_params("ringing");
    let f = run.post(&spec.voice_url, params, "incoming call").await?;
    Ok((f.status, f.body))
}

pub async fn run(http: &reqwest::Client, spec: &CallSpec) -> anyhow::Result<Transcript> {
    let call_sid = spec.call_sid.clone().unwrap_or_else(|| {
        if spec.carrier == Carrier::Plivo {
            uuid()
        } else {
            sid("CA")
        }
    });
    let mut run = Run::new(http, spec, call_sid);
    run.out.log(
        0,
        format!("incoming call from {} to {}", spec.from, spec.to),
    );
    let params = run.base_params("ringing");
    let mut doc_url = spec.voice_url.clone();
    let mut next = run.fetch_doc(&doc_url, params, "incoming call").await?;
    let mut documents = 0;
    while let Some(body) = next.take() {
        documents += 1;
        if documents > spec.max_documents {
            run.application_error(format!(
                "more than {} documents: a loop",
                spec.max_documents
            ));
            break;
        }
        let (n, u) = execute(&mut run, &body, &doc_url).await?;
        next = n;
        if let Some(u) = u {
            doc_url = u;
        }
        if run.caller_gone {
            break;
        }
    }
    if !run.caller_gone {
        run.out.log(run.t, "call ends");
    }
    run.out.duration_secs = run.t;
    if let (Some(url), true) = (&spec.status_callback_url, run.plivo()) {
        let mut p = run.plivo_params("completed", "Hangup");
        p.push(("Duration".to_owned(), run.t.to_string()));
        p.push(("BillDuration".to_owned(), run.t.to_string()));
        p.push(("HangupCause".to_owned(), "NORMAL_CLEARING".to_owned()));
        p.push((
            "HangupSource".to_owned(),
            if run.out.caller_hung_up {
                "Caller"
            } else {
                "Plivo"
            }
            .to_owned(),
        ));
        let f = run.post(url, p, "hangup callback").await?;
        if !(200..300).contains(&f.status) {
            run.out
                .log(run.t, format!("hangup callback answered {}", f.status));
        }
    } else if let Some(url) = &spec.status_callback_url {
        let mut p = run.base_params("completed");
        p.push(("CallDuration".to_owned(), run.t.to_string()));
        p.push((
            "Timestamp".to_owned(),
            "Tue, 24 Nov 2026 09:00:00 +0000".to_owned(),
        ));
        p.push((
            "CallbackSource".to_owned(),
            "call-progress-events".to_owned(),
        ));
        p.push(("SequenceNumber".to_owned(), "0".to_owned()));
        let f = run.post(url, p, "status callback").await?;
        if !(200..300).contains(&f.status) {
            run.out.log(
                run.t,
                format!("warning 15003: status callback answered {}", f.status),
            );
        }
    }
    Ok(run.out)
}

/// Runs one document. Returns the next document to run (and its URL) when a verb moved
/// execution elsewhere.
async fn execute(
    run: &mut Run<'_>,
    body: &str,
    doc_url: &str,
) -> anyhow::Result<(Option<String>, Option<String>)> {
    let doc = roxmltree::Document::parse(body)?;
    let root = doc.root_element();
    if root.tag_name().name() != "Response" {
        run.application_error("the root element is not <Response>".to_owned());
        return Ok((None, None));
    }
    for verb in root.children().filter(|n| n.is_element()) {
        if run.caller_gone {
            return Ok((None, None));
        }
        match verb.tag_name().name() {
            "Say" | "Speak" => {
                let text = verb.text().unwrap_or("").trim().to_owned();
                let end = run.t + speech_secs(&text);
                run.out
                    .log(run.t, format!("{}: {text}", verb.tag_name().name()));
                run.out.said.push(text);
                if run.caller_hangs_up_before(end) {
                    return Ok((None, None));
                }
                run.t = end;
            }
            "Play" => {
                play(run, &resolve(doc_url, verb.text().unwrap_or(""))?).await;
                if run.caller_hangs_up_before(run.t + 5) {
                    return Ok((None, None));
                }
                run.t += 5;
            }
            "Pause" | "Wait" => {
                let len: u32 = verb
                    .attribute("length")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(1);
                if run.caller_hangs_up_before(run.t + len) {
                    return Ok((None, None));
                }
                run.t += len;
            }
            "Dial" => {
                if let Some(next) = dial(run, verb, doc_url).await? {
                    return Ok(next);
                }
            }
            "Record" if run.plivo() && verb.attribute("startOnDialAnswer") == Some("true") => {
                let action = resolve(doc_url, verb.attribute("action").unwrap_or(doc_url))?;
                let callback = verb
                    .attribute("callbackUrl")
                    .map(|c| resolve(doc_url, c))
                    .transpose()?;
                run.out
                    .log(run.t, "Record: waits for the next dial to be answered");
                run.background_recording = Some((action, callback));
            }
            "Record" => {
                if let Some(next) = record(run, verb, doc_url).await? {
                    return Ok(next);
                }
            }
            "Gather" | "GetDigits" | "GetInput" => {
                let timeout: u32 = verb
                    .attribute("timeout")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(5);
                for said in verb.children().filter(|n| n.is_element()) {
                    if said.has_tag_name("Play") {
                        play(run, &resolve(doc_url, said.text().unwrap_or(""))?).await;
                        run.t += 5;
                        continue;
                    }
                    let text = said.text().unwrap_or("").trim().to_owned();
                    run.t += speech_secs(&text);
                    run.out.said.push(text);
                }
                let action = resolve(doc_url, verb.attribute("action").unwrap_or(doc_url))?;
                // A request for a code (several keys ended by #) takes the script's next code.
                if verb.attribute("finishOnKey") == Some("#") {
                    let code = run
                        .spec
                        .caller
                        .codes
                        .get(run.codes)
                        .copied()
                        .filter(|c| !c.is_empty());
                    run.codes += 1;
                    if let Some(c) = code {
                        run.t += c.len() as u32;
                        run.out
                            .log(run.t, format!("Gather: the caller entered {c}#"));
                        let mut p = run.base_params(run.call_status());
                        p.push(("Digits".to_owned(), c.to_owned()));
                        let next = run.fetch_doc(&action, p, "gather").await?;
                        return Ok((next, Some(action)));
                    }
                }
                let key = if verb.attribute("finishOnKey") == Some("#") {
                    None
                } else {
                    run.menus += 1;
                    run.spec
                        .caller
                        .menu_keys
                        .chars()
                        .nth(run.menus - 1)
                        .filter(|k| *k != '-')
                };
                if let Some(k) = key {
                    // The caller presses the key right after the prompt.
                    run.t += 1;
                    run.out
                        .log(run.t, format!("Gather: the caller pressed {k}"));
                    let mut p = run.base_params(run.call_status());
                    p.push(("Digits".to_owned(), k.to_string()));
                    let next = run.fetch_doc(&action, p, "gather").await?;
                    return Ok((next, Some(action)));
                }
                if run.caller_hangs_up_before(run.t + timeout) {
                    return Ok((None, None));
                }
                run.t += timeout;
                run.out.log(run.t, "Gather: no input");
                // Twilio asks the action even without input when told to; otherwise (and on
                // Plivo) the next verb runs.
                if verb.attribute("actionOnEmptyResult") == Some("true") {
                    let p = run.base_params(run.call_status());
                    let next = run.fetch_doc(&action, p, "gather").await?;
                    return Ok((next, Some(action)));
                }
            }
            "Redirect" => {
                let target = resolve(doc_url, verb.text().unwrap_or(""))?;
                let p = run.base_params(run.call_status());
                let next = run.fetch_doc(&target, p, "redirect").await?;
                return Ok((next, Some(target)));
            }
            "Hangup" | "Reject" => {
                run.out
                    .log(run.t, format!("{}: the call ends", verb.tag_name().name()));
                return Ok((None, None));
            }
            other => {
                run.application_error(format!("unknown verb <{other}>"));
                return Ok((None, None));
            }
        }
    }
    Ok((None, None))
}

/// The carrier fetches `url` to play it, itself, without our signature or credentials.
async fn play(run: &mut Run<'_>, url: &str) {
    let status = match run.http.get(url).send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            let len = r.bytes().await.map_or(0, |b| b.len());
            run.out
                .log(run.t, format!("Play: {url} -> {status} ({len} bytes)"));
            status
        }
        Err(e) => {
            run.out.log(run.t, format!("Play: {url} failed: {e}"));
            0
        }
    };
    run.out.played.push((url.to_owned(), status));
}

mod dial;
mod params;
mod record;
pub mod text;

use dial::dial;
use record::record;

/// Where execution goes after a verb: (next document, its URL), or `None` to continue.
type Next = Option<(Option<String>, Option<String>)>;

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            let end = rest.find('/').unwrap_or(rest.len());
            url[..i + 3 + end].to_owned()
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_resolve_against_the_document() {
        assert_eq!(
            resolve("https://h.example/hooks/a/voice?x=1", "calls/1/dial/0").unwrap(),
            "https://h.example/hooks/a/calls/1/dial/0"
        );
        assert_eq!(
            resolve("https://h.example/hooks/a/voice", "/other").unwrap(),
            "https://h.example/other"
        );
    }

    #[test]
    fn speech_takes_time() {
        assert_eq!(speech_secs("one"), 1);
        assert_eq!(
            speech_secs("one two three four five six seven eight nine ten"),
            4
        );
    }
}
