//! The `switchboard` binary as a user runs it: `token create`, then `serve` in a child
//! process on a free port, driven over HTTP.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The binary, without the environment of whoever runs the tests.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    c.env_remove("SWITCHBOARD_LISTEN")
        .env_remove("SWITCHBOARD_DATABASE_URL");
    c
}

/// A free local port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `cmd`, which must succeed (else its stderr is the failure); its output.
pub fn run_ok(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `switchboard token create` against `data_dir`: (the token, what it printed on stderr).
pub fn create_token(data_dir: &Path) -> (String, String) {
    create_token_with(data_dir, &[])
}

/// [`create_token`] with more arguments (such as `--database-url`).
pub fn create_token_with(data_dir: &Path, args: &[&str]) -> (String, String) {
    let out = run_ok(
        bin()
            .args(["token", "create", "--name", "me", "--data-dir"])
            .arg(data_dir)
            .args(args),
    );
    let token = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    (token, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `switchboard serve` in a child process, its log (stdout and stderr) in a file.
pub struct Served {
    pub url: String,
    pub port: u16,
    pub token: String,
    pub http: reqwest::Client,
    pub log_path: PathBuf,
    child: Child,
}

impl Served {
    /// Starts `serve --listen 127.0.0.1:PORT --data-dir DIR ARGS…` with `envs`, and waits until
    /// `/readyz` answers 200.
    pub async fn start(data_dir: &Path, token: &str, args: &[&str], envs: &[(&str, &str)]) -> Self {
        Self::start_on(free_port(), data_dir, token, args, envs).await
    }

    /// As [`Served::start`], on `port`.
    pub async fn start_on(
        port: u16,
        data_dir: &Path,
        token: &str,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Self {
        let log_path = data_dir.join(format!("server-{}.log", free_port()));
        let log = std::fs::File::create(&log_path).unwrap();
        let mut cmd = bin();
        cmd.args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data_dir)
        .args(args)
        .env("SWITCHBOARD_LOG", "warn")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .stdin(Stdio::null());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap();
        let served = Served {
            url: format!("http://127.0.0.1:{port}"),
            port,
            token: token.to_owned(),
            http: switchboard_sim::client(),
            log_path,
            child,
        };
        for _ in 0..100 {
            let r = served
                .http
                .get(format!("{}/readyz", served.url))
                .send()
                .await;
            if r.is_ok_and(|r| r.status() == 200) {
                return served;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the server never became ready: {}", served.log());
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.url)
    }

    /// `POST /api/v1{path}`: (status, body).
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.api(path))
            .bearer_auth(&self.token)
            .json(&body);
        let r = r.send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// `GET /api/v1{path}`, expecting 200.
    pub async fn get(&self, path: &str) -> Value {
        let r = self
            .http
            .get(self.api(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    /// Alice (+14155550101) and a Twilio line ringing her, signed with `secret`: the line.
    pub async fn alice_and_a_line(&self, extra: Value) -> Value {
        let (status, user) = self
            .post(
                "/users",
                serde_json::json!({"name": "Alice", "email": "alice@example.com", "phone": "+14155550101"}),
            )
            .await;
        assert_eq!(status, 201, "{user}");
        let mut body = serde_json::json!({"name": "Engineering Hotline", "number": "+15005550006",
            "provider": "twilio", "auth_token": "secret", "routing": {"steps": [{"user": user["id"]}]}});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let (status, line) = self.post("/lines", body).await;
        assert_eq!(status, 201, "{line}");
        line
    }

    /// The log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Waits (at most 15 s) until the log says `what`, and returns the log then. The server
    /// writes to a file, which offers nothing to wait on but its contents.
    pub async fn wait_for_log(&self, what: &str) -> String {
        for _ in 0..150 {
            let log = self.log();
            if log.contains(what) {
                return log;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the log never said '{what}': {}", self.log());
    }

    /// Sends SIGTERM and waits for the exit; `true` when it exited successfully.
    pub fn terminate(mut self) -> bool {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        ok && self.child.wait().unwrap().success()
    }

    /// Stops the process at once (SIGKILL) and returns its log.
    pub fn kill(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.log()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
