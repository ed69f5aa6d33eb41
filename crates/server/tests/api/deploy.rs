//! What a self-hoster deploys with, checked as far as this machine allows: the version names
//! the commit, the image's health check command follows the server, the systemd unit passes
//! `systemd-analyze verify` without a warning, the compose file parses into the services the
//! README describes.

use crate::binary::{bin, create_token, run_ok, Served};
use std::path::Path;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn the_version_names_the_commit() {
    let out = run_ok(bin().arg("--version"));
    let v = String::from_utf8(out.stdout).unwrap();
    assert!(
        v.starts_with(&format!(
            "switchboard {} (commit ",
            env!("CARGO_PKG_VERSION")
        )),
        "{v}"
    );
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo())
        .output();
    match head {
        Ok(h) if h.status.success() && std::env::var("SWITCHBOARD_COMMIT").is_err() => {
            let head = String::from_utf8(h.stdout).unwrap();
            assert!(v.contains(&format!("(commit {})", head.trim())), "{v}");
        }
        _ => eprintln!("no git checkout here: the commit is not compared"),
    }
}

#[tokio::test]
async fn the_healthcheck_command_follows_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (token, _) = create_token(dir.path());
    let served = Served::start(dir.path(), &token, &[], &[]).await;
    let listen = format!("127.0.0.1:{}", served.port);
    let out = run_ok(bin().args(["healthcheck", "--listen", &listen]));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("ok: http://{listen}/healthz")
    );
    drop(served);
    let out = bin()
        .args(["healthcheck", "--listen", &listen])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a stopped server is not healthy");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("http://{listen}/healthz did not answer")),
        "{err}"
    );
}

#[test]
fn the_systemd_unit_verifies_without_a_warning() {
    if std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: systemd-analyze is not installed here");
        return;
    }
    let unit = std::fs::read_to_string(repo().join("deploy/switchboard.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/local/bin/switchboard serve"));
    // The unit names the installed binary; here the one just built stands in for it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchboard.service");
    std::fs::write(
        &path,
        unit.replace(
            "/usr/local/bin/switchboard",
            env!("CARGO_BIN_EXE_switchboard"),
        ),
    )
    .unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        !err.contains("switchboard.service"),
        "no warning about the unit: {err}"
    );
    for sandbox in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=\n",
        "StateDirectory=switchboard",
    ] {
        assert!(unit.contains(sandbox), "{sandbox}");
    }
}

#[test]
fn the_compose_file_parses_into_postgres_and_two_instances() {
    let Ok(python) = std::env::var("SWITCHBOARD_TEST_S3_PYTHON") else {
        eprintln!(
            "skipped: SWITCHBOARD_TEST_S3_PYTHON is not set (its venv has PyYAML; .ci/run sets it)"
        );
        return;
    };
    // Parsed as YAML (anchors and merge keys resolved), then what each service must have.
    let script = r#"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
s = doc["services"]
for name in ["postgres", "minio", "minio-bucket", "switchboard-a", "switchboard-b", "balancer"]:
    assert name in s, name
for name in ["switchboard-a", "switchboard-b"]:
    env = s[name]["environment"]
    assert env["SWITCHBOARD_DATABASE_URL"].startswith("postgres://switchboard:"), env
    assert env["SWITCHBOARD_STORAGE_URL"] == "s3://switchboard/recordings", env
    assert s[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert s[name]["build"]["context"] == ".."
vols = set(doc["volumes"])
for svc in s.values():
    for v in svc.get("volumes", []):
        assert v.split(":")[0] in vols, v
conf = doc["configs"]["balancer"]["content"]
assert "server switchboard-a:8080" in conf and "server switchboard-b:8080" in conf
print("ok")
"#;
    run_ok(
        std::process::Command::new(python)
            .args(["-c", script])
            .arg(repo().join("deploy/compose.yaml")),
    );
    let dockerfile = std::fs::read_to_string(repo().join("Dockerfile")).unwrap();
    for needed in [
        "USER switchboard",
        "VOLUME [\"/var/lib/switchboard\"]",
        "CMD [\"switchboard\", \"healthcheck\"]",
        "--build-arg SWITCHBOARD_COMMIT",
    ] {
        assert!(dockerfile.contains(needed), "{needed}");
    }
}
