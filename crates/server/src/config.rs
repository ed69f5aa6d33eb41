//! Configuration, in layers: defaults, then a TOML file, then `SWITCHBOARD_*` environment
//! variables (the environment wins over the file), then command-line flags.
//!
//! Everything is checked once at start; an error names the key, where the value came from
//! and what is wrong with it.
//!
//! The layering is written here rather than through a layering crate: with seven keys it is
//! one loop, and what it must keep (the flag, `SWITCHBOARD_*` variable or file line a value
//! came from, comma lists in variables, the nearest key to a misspelt one, an environment
//! passed in by tests) would become custom providers and metadata mapping there.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The settings Switchboard runs with.
#[derive(Clone)]
pub struct Config {
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// The URL at which providers reach this server; webhook URLs and signature checks use it.
    pub public_url: String,
    /// `sqlite:PATH` or `postgres://…`.
    pub database_url: String,
    /// Where the embedded database and stored recordings live.
    pub data_dir: PathBuf,
    /// Hosts recordings may be downloaded from (exact names, or `*.domain` suffixes).
    pub recording_hosts: Vec<String>,
    /// Hosts chat channels may post to (exact names, or `*.domain` suffixes).
    pub alert_hosts: Vec<String>,
    /// `tracing` filter, e.g. `info` or `switchboard=debug`.
    pub log: String,
    /// Reverse proxies whose `X-Forwarded-For` names the client (login throttling).
    pub trusted_proxies: crate::proxies::TrustedProxies,
    /// Single sign-on with an OpenID provider, when configured.
    pub sso: Option<crate::accounts::sso::SsoConfig>,
    /// The SMTP server email channels send through, when configured.
    pub smtp: Option<crate::email::SmtpConfig>,
    /// The engine that transcribes voicemails, when configured.
    pub transcription: Option<crate::transcribe::Engine>,
    /// Where recordings and voicemails are kept: below `data_dir`, or an S3-compatible bucket.
    pub storage: crate::storage::StorageConfig,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("database_url", &redact_url(&self.database_url))
            .field("data_dir", &self.data_dir)
            .field("recording_hosts", &self.recording_hosts)
            .field("alert_hosts", &self.alert_hosts)
            .field("log", &self.log)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("sso", &self.sso)
            .field("smtp", &self.smtp)
            .field("transcription", &self.transcription)
            .field("storage", &self.storage)
            .finish()
    }
}

/// A database URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A configuration problem.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {key} (from {source_name}): {message}")]
pub struct ConfigError {
    pub key: String,
    pub source_name: String,
    pub message: String,
}

pub(crate) fn cfg_err(key: &str, source_name: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        source_name: source_name.to_owned(),
        message: message.into(),
    }
}

/// The file's shape. Unknown keys are an error, so a typo never silently does nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    public_url: Option<String>,
    database_url: Option<String>,
    data_dir: Option<String>,
    recording_hosts: Option<Vec<String>>,
    alert_hosts: Option<Vec<String>>,
    log: Option<String>,
    trusted_proxies: Option<Vec<String>>,
    sso_issuer: Option<String>,
    sso_client_id: Option<String>,
    sso_client_secret: Option<String>,
    sso_only: Option<bool>,
    smtp_url: Option<String>,
    smtp_from: Option<String>,
    transcription: Option<String>,
    transcription_url: Option<String>,
    transcription_model: Option<String>,
    transcription_key: Option<String>,
    transcription_language: Option<String>,
    transcription_timeout_secs: Option<u64>,
    storage_url: Option<String>,
    storage_endpoint: Option<String>,
    storage_region: Option<String>,
    storage_access_key_id: Option<String>,
    storage_secret_access_key: Option<String>,
}

/// Values given on the command line.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub database_url: Option<String>,
    pub data_dir: Option<String>,
}

const KEYS: [&str; 25] = [
    "listen",
    "public_url",
    "database_url",
    "data_dir",
    "recording_hosts",
    "alert_hosts",
    "log",
    "trusted_proxies",
    "sso_issuer",
    "sso_client_id",
    "sso_client_secret",
    "sso_only",
    "smtp_url",
    "smtp_from",
    "transcription",
    "transcription_url",
    "transcription_model",
    "transcription_key",
    "transcription_language",
    "transcription_timeout_secs",
    "storage_url",
    "storage_endpoint",
    "storage_region",
    "storage_access_key_id",
    "storage_secret_access_key",
];

/// Hosts Slack (webhooks, and the Web API a Slack app posts through) and Teams (Workflows,
/// and legacy connectors) receive alerts at, and those
/// PagerDuty (US and EU) and incident.io receive incident events at. A generic webhook's
/// host must be added by the operator.
pub const DEFAULT_ALERT_HOSTS: [&str; 8] = [
    "hooks.slack.com",
    "slack.com",
    "*.logic.azure.com",
    "*.api.powerplatform.com",
    "*.webhook.office.com",
    "events.pagerduty.com",
    "events.eu.pagerduty.com",
    "api.incident.io",
];

/// Hosts the providers serve recordings from.
pub const DEFAULT_RECORDING_HOSTS: [&str; 4] = [
    "api.twilio.com",
    "*.twilio.com",
    "media.plivo.com",
    "*.plivo.com",
];

impl Config {
    /// Loads the configuration from the layers, reading the environment from `env`.
    pub fn load(
        overrides: &Overrides,
        env: &BTreeMap<String, String>,
    ) -> Result<Config, ConfigError> {
        // (value, where it came from) per key, later layers replacing earlier ones.
        let mut values: BTreeMap<&str, (String, String)> = BTreeMap::new();
        let config_path = overrides
            .config
            .clone()
            .map(|p| (p, "--config".to_owned()))
            .or_else(|| {
                env.get("SWITCHBOARD_CONFIG")
                    .map(|p| (PathBuf::from(p), "SWITCHBOARD_CONFIG".to_owned()))
            });
        let mut hosts: Option<(Vec<String>, String)> = None;
        let mut alert_hosts: Option<(Vec<String>, String)> = None;
        let mut proxies: Option<(Vec<String>, String)> = None;
        if let Some((path, from)) = config_path {
            let file = read_file(&path, &from)?;
            let label = format!("file {}", path.display());
            for (key, v) in [
                ("listen", file.listen),
                ("public_url", file.public_url),
                ("database_url", file.database_url),
                ("data_dir", file.data_dir),
                ("log", file.log),
                ("sso_issuer", file.sso_issuer),
                ("sso_client_id", file.sso_client_id),
                ("sso_client_secret", file.sso_client_secret),
                ("sso_only", file.sso_only.map(|b| b.to_string())),
                ("smtp_url", file.smtp_url),
                ("smtp_from", file.smtp_from),
                ("transcription", file.transcription),
                ("transcription_url", file.transcription_url),
                ("transcription_model", file.transcription_model),
                ("transcription_key", file.transcription_key),
                ("transcription_language", file.transcription_language),
                (
                    "transcription_timeout_secs",
                    file.transcription_timeout_secs.map(|t| t.to_string()),
                ),
                ("storage_url", file.storage_url),
                ("storage_endpoint", file.storage_endpoint),
                ("storage_region", file.storage_region),
                ("storage_access_key_id", file.storage_access_key_id),
                ("storage_secret_access_key", file.storage_secret_access_key),
            ] {
                if let Some(v) = v {
                    values.insert(key, (v, label.clone()));
                }
            }
            alert_hosts = file.alert_hosts.map(|h| (h, label.clone()));
            proxies = file.trusted_proxies.map(|h| (h, label.clone()));
            hosts = file.recording_hosts.map(|h| (h, label));
        }
        for key in KEYS {
            let var = format!("SWITCHBOARD_{}", key.to_uppercase());
            if let Some(v) = env.get(&var) {
                if ["recording_hosts", "alert_hosts", "trusted_proxies"].contains(&key) {
                    let list = v
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect();
                    match key {
                        "recording_hosts" => hosts = Some((list, var)),
                        "alert_hosts" => alert_hosts = Some((list, var)),
                        _ => proxies = Some((list, var)),
                    }
                } else {
                    values.insert(key, (v.clone(), var));
                }
            }
        }
        for (key, v) in [
            ("listen", &overrides.listen),
            ("public_url", &overrides.public_url),
            ("database_url", &overrides.database_url),
            ("data_dir", &overrides.data_dir),
        ] {
            if let Some(v) = v {
                values.insert(key, (v.clone(), format!("--{}", key.replace('_', "-"))));
            }
        }

        let take = |key: &str| values.get(key).cloned();
        let (listen_raw, listen_from) =
            take("listen").unwrap_or(("127.0.0.1:8080".into(), "default".into()));
        let listen: SocketAddr = listen_raw.parse().map_err(|_| {
            cfg_err(
                "listen",
                &listen_from,
                format!("'{listen_raw}' is not an address such as 127.0.0.1:8080 or [::]:8080"),
            )
        })?;
        let (data_dir_raw, _) =
            take("data_dir").unwrap_or(("switchboard-data".into(), "default".into()));
        let data_dir = PathBuf::from(data_dir_raw);
        let (public_url, public_from) = take("public_url").unwrap_or_else(|| {
            let host = if listen.ip().is_unspecified() {
                "127.0.0.1".to_owned()
            } else {
                listen.ip().to_string()
            };
            (format!("http://{host}:{}", listen.port()), "default".into())
        });
        let public_url = check_public_url(&public_url, &public_from)?;
        let (database_url, db_from) = take("database_url").unwrap_or_else(|| {
            (
                format!("sqlite:{}", data_dir.join("switchboard.db").display()),
                "default".into(),
            )
        });
        check_database_url(&database_url, &db_from)?;
        let (log, _) = take("log").unwrap_or(("info".into(), "default".into()));
        let mut recording_hosts =
            host_list("recording_hosts", hosts.clone(), &DEFAULT_RECORDING_HOSTS)?;
        // A server whose public URL is on this machine cannot be reached by a real provider:
        // it is being tried out with the simulator, whose media is on 127.0.0.1. Only then,
        // and only when the hosts were not configured, is that host a default.
        let local_only = url::Url::parse(&public_url).ok().is_some_and(|u| {
            u.host_str()
                .is_some_and(|h| crate::outbound::is_loopback(h.trim_matches(['[', ']'])))
        });
        if hosts.is_none() && local_only {
            recording_hosts.push("127.0.0.1".to_owned());
        }
        let alert_hosts = host_list("alert_hosts", alert_hosts, &DEFAULT_ALERT_HOSTS)?;
        let trusted_proxies = match proxies {
            Some((list, from)) => crate::proxies::TrustedProxies::parse(&list)
                .map_err(|m| cfg_err("trusted_proxies", &from, m))?,
            None => Default::default(),
        };
        let sso = crate::accounts::sso::SsoConfig::from_layers(
            take("sso_issuer"),
            take("sso_client_id"),
            take("sso_client_secret"),
            take("sso_only"),
        )?;
        let smtp = crate::email::SmtpConfig::from_layers(take("smtp_url"), take("smtp_from"))?;
        let transcription = crate::transcribe::from_layers(crate::transcribe::Keys {
            engine: take("transcription"),
            url: take("transcription_url"),
            model: take("transcription_model"),
            key: take("transcription_key"),
            language: take("transcription_language"),
            timeout_secs: take("transcription_timeout_secs"),
        })?;
        let storage = crate::storage::StorageConfig::from_layers(crate::storage::Keys {
            url: take("storage_url"),
            endpoint: take("storage_endpoint"),
            region: take("storage_region"),
            access_key_id: take("storage_access_key_id"),
            secret_access_key: take("storage_secret_access_key"),
        })?;
        Ok(Config {
            storage,
            smtp,
            transcription,
            sso,
            listen,
            public_url,
            database_url,
            data_dir,
            recording_hosts,
            alert_hosts,
            log,
            trusted_proxies,
        })
    }

    /// Unknown `SWITCHBOARD_*` variables (likely typos), for a warning at start.
    pub fn unknown_env_vars(env: &BTreeMap<String, String>) -> Vec<String> {
        env.keys()
            .filter(|k| k.starts_with("SWITCHBOARD_") && !k.starts_with("SWITCHBOARD_TEST_"))
            // The secrets a setup file refers to (see `switchboard export`), and the commit a
            // build names (read when building, not by the server).
            .filter(|k| !k.starts_with("SWITCHBOARD_SECRET_") && *k != "SWITCHBOARD_COMMIT")
            .filter(|k| {
                let key = k["SWITCHBOARD_".len()..].to_lowercase();
                key != "config" && !KEYS.contains(&key.as_str())
            })
            .cloned()
            .collect()
    }
}

/// Whether `host` matches one of `patterns` (exact names, or `*.suffix`).
pub(crate) fn host_matches(patterns: &[String], host: &str) -> bool {
    patterns
        .iter()
        .any(|pattern| match pattern.strip_prefix("*.") {
            Some(suffix) => host
                .to_ascii_lowercase()
                .ends_with(&format!(".{}", suffix.to_ascii_lowercase())),
            None => host.eq_ignore_ascii_case(pattern),
        })
}

fn host_list(
    key: &str,
    given: Option<(Vec<String>, String)>,
    default: &[&str],
) -> Result<Vec<String>, ConfigError> {
    match given {
        Some((h, from)) => {
            if let Some(bad) = h.iter().find(|h| h.contains('/') || h.contains(':')) {
                return Err(cfg_err(
                    key,
                    &from,
                    format!("'{bad}' is not a host name (no scheme, port or path)"),
                ));
            }
            Ok(h)
        }
        None => Ok(default.iter().map(|s| (*s).to_owned()).collect()),
    }
}

fn read_file(path: &Path, from: &str) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        cfg_err(
            "config",
            from,
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let from = match line {
            Some(l) => format!("file {}, line {l}", path.display()),
            None => format!("file {}", path.display()),
        };
        let msg = e.message().trim().to_owned();
        // The key as written: a typo is reported as the typo, with the nearest known key.
        if let Some(rest) = msg.strip_prefix("unknown field `") {
            let written = rest.split('`').next().unwrap_or("");
            let hint = nearest_key(written)
                .map(|k| format!(" (did you mean '{k}'?)"))
                .unwrap_or_default();
            return cfg_err(
                written,
                &from,
                format!(
                    "'{written}' is not a configuration key{hint}; known keys: {}",
                    KEYS.join(", ")
                ),
            );
        }
        let key = KEYS
            .iter()
            .find(|k| msg.contains(&format!("`{k}`")))
            .map_or("config", |k| k);
        cfg_err(key, &from, msg)
    })
}

/// The known key closest to `written` (at most two edits away).
fn nearest_key(written: &str) -> Option<&'static str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    }
    KEYS.iter()
        .map(|k| (distance(written, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn check_public_url(url: &str, from: &str) -> Result<String, ConfigError> {
    let parsed = url::Url::parse(url).map_err(|e| {
        cfg_err(
            "public_url",
            from,
            format!("'{url}' is not an absolute URL ({e})"),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(cfg_err(
            "public_url",
            from,
            format!("'{url}' must be an http or https URL"),
        ));
    }
    if parsed.path() != "/" || parsed.query().is_some() {
        return Err(cfg_err(
            "public_url",
            from,
            format!("'{url}' must be an origin only (scheme, host and port, no path or query)"),
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

fn check_database_url(url: &str, from: &str) -> Result<(), ConfigError> {
    let ok = url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://");
    if ok {
        Ok(())
    } else {
        Err(cfg_err(
            "database_url",
            from,
            format!(
                "'{}' must start with sqlite: or postgres://",
                redact_url(url)
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_nothing() {
        let c = Config::load(&Overrides::default(), &env(&[])).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert!(c.database_url.starts_with("sqlite:switchboard-data"));
    }

    #[test]
    fn environment_wins_over_the_file_and_flags_over_both() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sb.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\npublic_url = \"https://file.example\"\n",
        )
        .unwrap();
        let o = Overrides {
            config: Some(path),
            ..Default::default()
        };
        let e = env(&[("SWITCHBOARD_PUBLIC_URL", "https://env.example")]);
        let c = Config::load(&o, &e).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.public_url, "https://env.example");
        let o2 = Overrides {
            public_url: Some("https://flag.example/".into()),
            ..o
        };
        assert_eq!(
            Config::load(&o2, &e).unwrap().public_url,
            "https://flag.example"
        );
    }

    #[test]
    fn trusted_proxies_come_as_a_comma_list_and_bad_ones_are_named() {
        let c = Config::load(
            &Overrides::default(),
            &env(&[("SWITCHBOARD_TRUSTED_PROXIES", "10.0.0.0/8, ::1")]),
        )
        .unwrap();
        assert!(c.trusted_proxies.contains("10.9.8.7".parse().unwrap()));
        let e = Config::load(
            &Overrides::default(),
            &env(&[("SWITCHBOARD_TRUSTED_PROXIES", "10.0.0.0/8,nginx")]),
        )
        .unwrap_err();
        assert_eq!(
            (e.key.as_str(), e.source_name.as_str()),
            ("trusted_proxies", "SWITCHBOARD_TRUSTED_PROXIES")
        );
        assert!(e.message.contains("'nginx'"), "{}", e.message);
        assert!(
            Config::unknown_env_vars(&env(&[("SWITCHBOARD_TRUSTED_PROXIES", "::1")])).is_empty()
        );
        // A setup file's secrets and the build's commit are not configuration, and not
        // warned about.
        assert_eq!(
            Config::unknown_env_vars(&env(&[
                ("SWITCHBOARD_SECRET_LINE_HOTLINE_AUTH_TOKEN", "x"),
                ("SWITCHBOARD_COMMIT", "abc"),
                ("SWITCHBOARD_LISTN", "x"),
            ])),
            vec!["SWITCHBOARD_LISTN".to_owned()]
        );
    }

    #[test]
    fn errors_name_the_key_and_its_source() {
        let e = Config::load(
            &Overrides::default(),
            &env(&[("SWITCHBOARD_LISTEN", "nope")]),
        )
        .unwrap_err();
        assert_eq!(e.key, "listen");
        assert_eq!(e.source_name, "SWITCHBOARD_LISTEN");
        let e = Config::load(
            &Overrides::default(),
            &env(&[("SWITCHBOARD_DATABASE_URL", "mysql://u:secret@h/db")]),
        )
        .unwrap_err();
        assert_eq!(e.key, "database_url");
        assert!(!e.to_string().contains("secret"), "{e}");
        let e = Config::load(
            &Overrides::default(),
            &env(&[("SWITCHBOARD_PUBLIC_URL", "https://x.example/prefix")]),
        )
        .unwrap_err();
        assert_eq!(e.key, "public_url");
    }

    #[test]
    fn unknown_file_keys_are_rejected_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sb.toml");
        std::fs::write(&path, "lisen = \"127.0.0.1:9000\"\n").unwrap();
        let o = Overrides {
            config: Some(path),
            ..Default::default()
        };
        let e = Config::load(&o, &env(&[])).unwrap_err();
        assert_eq!(e.key, "lisen", "the key as written: {e}");
        assert!(e.message.contains("did you mean 'listen'"), "{e}");
        assert!(e.to_string().contains("line 1"), "{e}");
    }

    #[test]
    fn a_toml_syntax_error_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sb.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\n\npublic_url = https://x\n",
        )
        .unwrap();
        let o = Overrides {
            config: Some(path),
            ..Default::default()
        };
        let e = Config::load(&o, &env(&[])).unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
    }

    #[test]
    fn recording_hosts_match_exactly_or_by_suffix() {
        let c = Config::load(&Overrides::default(), &env(&[])).unwrap();
        let allowed = |h: &str| host_matches(&c.recording_hosts, h);
        assert!(allowed("api.twilio.com"));
        assert!(allowed("media.us1.twilio.com"));
        assert!(!allowed("twilio.com.evil.example"));
        assert!(!allowed("169.254.169.254"));
    }
}
