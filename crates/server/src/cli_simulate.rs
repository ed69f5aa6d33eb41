//! `switchboard simulate call` and `switchboard simulate load`: the carrier simulator from
//! the command line, against a running server.

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_sim::{CallSpec, Responder, VoicemailScript};

#[derive(Debug, Subcommand)]
pub enum SimulateCommand {
    /// Place one call and print its transcript.
    Call(CallArgs),
    /// Measure throughput and latency with many concurrent calls or bare webhooks.
    Load(LoadArgs),
}

#[derive(Debug, Args)]
pub struct CallArgs {
    /// `twilio` or `plivo`.
    #[arg(long, default_value = "twilio")]
    carrier: String,
    /// The line's webhook_url (Plivo: answer_url).
    #[arg(long)]
    url: String,
    /// The line's status_callback_url (so the end of the call is reported).
    #[arg(long)]
    status_callback: Option<String>,
    /// The line's provider auth token; requests are signed with it.
    #[arg(long)]
    auth_token: Option<String>,
    /// The caller's number.
    #[arg(long, default_value = "+14155550199")]
    from: String,
    /// The number called (the line's number).
    #[arg(long, default_value = "+15005550006")]
    to: String,
    /// Caller name as CNAM would report it.
    #[arg(long)]
    caller_name: Option<String>,
    /// How a dialed number behaves: NUMBER=answer[:AFTER[:TALK]], NUMBER=no-answer,
    /// NUMBER=busy, NUMBER=failed, NUMBER=voicemail[:AFTER[:SECS]] (their own voicemail
    /// picks up), NUMBER=declines[:AFTER] (picks up but does not press the screening key).
    /// Repeatable; numbers not listed do not answer.
    #[arg(long = "responder", value_name = "NUMBER=BEHAVIOUR")]
    responders: Vec<String>,
    /// The caller hangs up at this second of the call.
    #[arg(long)]
    hang_up_at: Option<u32>,
    /// Seconds of voicemail the caller leaves, or `silent`.
    #[arg(long, default_value = "10")]
    voicemail: String,
    /// The server's public_url when --url reaches it another way (through a proxy, or
    /// locally): requests are signed over the public URL, as the provider would sign them.
    #[arg(long)]
    public_url: Option<String>,
    /// Base URL of recording media in RecordingUrl parameters (default: the simulator serves
    /// them itself on 127.0.0.1 and waits until they are downloaded).
    #[arg(long)]
    recording_base: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Base URL of the running server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    server: String,
    /// An API token (from `switchboard token create`); used to create the test line.
    #[arg(long)]
    token: String,
    /// `calls` (whole simulated calls) or `webhooks` (bare incoming-call webhooks).
    #[arg(long, default_value = "calls")]
    mode: String,
    /// How many calls or webhooks in all.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// How many at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
}

/// How long `simulate call` keeps serving its recordings for the server to fetch.
const MEDIA_WAIT: Duration = Duration::from_secs(30);

pub async fn run(command: SimulateCommand) -> anyhow::Result<()> {
    match command {
        SimulateCommand::Call(a) => call(a).await,
        SimulateCommand::Load(a) => load(a).await,
    }
}

fn parse_voicemail(s: &str) -> anyhow::Result<VoicemailScript> {
    if s == "silent" {
        return Ok(VoicemailScript::Silent);
    }
    let secs = s
        .parse()
        .map_err(|_| anyhow!("--voicemail: '{s}' is neither a number of seconds nor 'silent'"))?;
    Ok(VoicemailScript::Leave { secs })
}

async fn call(a: CallArgs) -> anyhow::Result<()> {
    let mut spec = CallSpec::new(&a.url, &a.from, &a.to);
    match a.carrier.as_str() {
        "twilio" => {}
        "plivo" => spec = spec.plivo(),
        other => bail!("--carrier: '{other}' is not twilio or plivo"),
    }
    spec.status_callback_url = a.status_callback;
    spec.auth_token = a.auth_token;
    spec.public_url = a.public_url;
    spec.caller_name = a.caller_name;
    spec.caller.hang_up_at = a.hang_up_at;
    spec.caller.voicemail = parse_voicemail(&a.voicemail)?;
    // Without --recording-base the simulator serves the recordings it announces itself, so
    // the call ends with media Switchboard can download.
    let media = match a.recording_base {
        Some(base) => {
            spec.recording_base_url = base;
            None
        }
        None => {
            let m = switchboard_sim::media::MediaServer::start(vec![])
                .await
                .context("cannot start the simulator's media server")?;
            spec.recording_base_url = m.base_url.clone();
            Some(m)
        }
    };
    for r in &a.responders {
        let (number, behaviour) = r
            .split_once('=')
            .ok_or_else(|| anyhow!("--responder: '{r}' is not NUMBER=BEHAVIOUR"))?;
        let behaviour = Responder::parse(behaviour).map_err(|e| anyhow!("--responder: {e}"))?;
        spec.responders.insert(number.to_owned(), behaviour);
    }
    let t = switchboard_sim::place_call(&switchboard_sim::client(), &spec).await?;
    println!("{t}");
    if let Some(m) = media.filter(|_| !t.recordings.is_empty()) {
        let n = t.recordings.len();
        println!(
            "Serving {n} recording(s) at {} until Switchboard downloads them (up to {} s)…",
            m.base_url,
            MEDIA_WAIT.as_secs()
        );
        let started = Instant::now();
        while m.served() < n && started.elapsed() < MEDIA_WAIT {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if m.served() < n {
            println!(
                "{} of {n} recording(s) were downloaded; is 127.0.0.1 in the server's recording_hosts?",
                m.served()
            );
        } else {
            println!("All {n} recording(s) were downloaded.");
        }
    }
    if let Some(e) = &t.application_error {
        bail!("the provider would have played an application error: {e}");
    }
    Ok(())
}

async fn api(
    http: &reqwest::Client,
    a: &LoadArgs,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let r = http
        .post(format!("{}/api/v1{path}", a.server.trim_end_matches('/')))
        .bearer_auth(&a.token)
        .json(&body)
        .send()
        .await
        .with_context(|| format!("cannot reach {}", a.server))?;
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("POST {path} answered {status}: {body}");
    }
    Ok(body)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn load(a: LoadArgs) -> anyhow::Result<()> {
    if a.mode != "calls" && a.mode != "webhooks" {
        bail!("--mode: '{}' is not calls or webhooks", a.mode);
    }
    if a.concurrency == 0 || a.requests == 0 {
        bail!("--concurrency and --requests must be at least 1");
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;
    let suffix = jiff::Timestamp::now().as_millisecond() % 10_000_000;
    let mut steps = Vec::new();
    for i in 0..3 {
        let u = api(
            &http,
            &a,
            "/users",
            json!({
                "name": format!("Load {i}"),
                "email": format!("load-{suffix}-{i}@example.com"),
                "phone": format!("+1415{:07}", suffix * 3 % 10_000_000 + i),
            }),
        )
        .await?;
        steps.push(json!({ "user": u["id"] }));
    }
    let number = format!("+1500{:07}", suffix);
    let line = api(
        &http,
        &a,
        "/lines",
        json!({
            "name": "Load test", "number": number, "provider": "twilio",
            "auth_token": "load-test-token",
            "routing": { "steps": steps },
        }),
    )
    .await?;
    let voice = line["webhook_url"].as_str().unwrap_or_default().to_owned();
    let status_cb = line["status_callback_url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let responder_b = format!("+1415{:07}", suffix * 3 % 10_000_000 + 1);

    let sem = Arc::new(tokio::sync::Semaphore::new(a.concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(a.requests);
    for _ in 0..a.requests {
        let permit = sem.clone().acquire_owned().await?;
        let (http, voice, status_cb, mode, to, rb) = (
            http.clone(),
            voice.clone(),
            status_cb.clone(),
            a.mode.clone(),
            number.clone(),
            responder_b.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            let t0 = Instant::now();
            let mut spec = CallSpec::new(&voice, "+14155550199", &to);
            spec.auth_token = Some("load-test-token".into());
            let ok = if mode == "calls" {
                spec.status_callback_url = Some(status_cb);
                spec = spec.responder(
                    &rb,
                    Responder::Answer {
                        after_secs: 2,
                        talk_secs: 30,
                    },
                );
                match switchboard_sim::place_call(&http, &spec).await {
                    Ok(t) => t.application_error.is_none() && t.connected_to.is_some(),
                    Err(_) => false,
                }
            } else {
                spec.max_documents = 1;
                spec.responders.clear();
                incoming_only(&http, &spec).await
            };
            (t0.elapsed(), ok)
        }));
    }
    let mut latencies = Vec::with_capacity(a.requests);
    let mut failures = 0;
    for t in tasks {
        let (d, ok) = t.await?;
        latencies.push(d);
        if !ok {
            failures += 1;
        }
    }
    let wall = started.elapsed();
    latencies.sort();
    let unit = if a.mode == "calls" {
        "calls"
    } else {
        "webhooks"
    };
    println!(
        "mode={} requests={} concurrency={} failures={} wall={:.2}s throughput={:.1} {unit}/s p50={:.2}ms p99={:.2}ms max={:.2}ms",
        a.mode,
        a.requests,
        a.concurrency,
        failures,
        wall.as_secs_f64(),
        a.requests as f64 / wall.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
    );
    if failures > 0 {
        bail!("{failures} of {} failed", a.requests);
    }
    Ok(())
}

/// Sends only the signed incoming-call webhook and checks the answer is a dial.
async fn incoming_only(http: &reqwest::Client, spec: &CallSpec) -> bool {
    switchboard_sim::incoming_webhook(http, spec)
        .await
        .is_ok_and(|(status, body)| status == 200 && body.contains("<Dial"))
}
