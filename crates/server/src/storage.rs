//! Where recordings and voicemails are kept: a directory below `data_dir` by default, or any
//! S3-compatible bucket (`storage_url = "s3://bucket/prefix"`), through the `object_store`
//! crate. Several instances that share no disk then serve every recording from one bucket.
//!
//! A stored recording's key is the path the call log records (`recordings/{call}/{id}.wav`),
//! the same below the directory and below the bucket's prefix.

use crate::config::{cfg_err, ConfigError};
use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, PutPayload, RetryConfig};
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The object store's settings, as configured.
#[derive(Clone, PartialEq, Eq)]
pub enum StorageConfig {
    /// Files below `data_dir` (the default).
    Local,
    /// An S3-compatible bucket.
    S3 {
        bucket: String,
        /// Keys are put below this prefix (no leading or trailing slash), when set.
        prefix: Option<String>,
        /// An S3-compatible service's URL (MinIO, R2, …); AWS itself when unset.
        endpoint: Option<String>,
        region: String,
        /// The access key pair; when unset, the usual AWS sources (`AWS_*` variables, the
        /// instance's role) are asked.
        keys: Option<(String, String)>,
    },
}

impl fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageConfig::Local => f.write_str("Local"),
            StorageConfig::S3 {
                bucket,
                prefix,
                endpoint,
                region,
                keys,
            } => f
                .debug_struct("S3")
                .field("bucket", bucket)
                .field("prefix", prefix)
                .field("endpoint", endpoint)
                .field("region", region)
                .field("access_key_id", &keys.as_ref().map(|k| &k.0))
                .field("secret_access_key", &keys.as_ref().map(|_| "***"))
                .finish(),
        }
    }
}

/// A value and where it came from, as the configuration layers give it.
type Layer = Option<(String, String)>;

/// The `storage_*` keys.
pub struct Keys {
    pub url: Layer,
    pub endpoint: Layer,
    pub region: Layer,
    pub access_key_id: Layer,
    pub secret_access_key: Layer,
}

impl StorageConfig {
    /// Checks the `storage_*` keys together.
    pub fn from_layers(k: Keys) -> Result<StorageConfig, ConfigError> {
        let Some((url, from)) = k.url.filter(|(v, _)| !v.trim().is_empty()) else {
            for (key, v) in [
                ("storage_endpoint", &k.endpoint),
                ("storage_region", &k.region),
                ("storage_access_key_id", &k.access_key_id),
                ("storage_secret_access_key", &k.secret_access_key),
            ] {
                if let Some((_, from)) = v {
                    return Err(cfg_err(
                        key,
                        from,
                        "is only used with storage_url = \"s3://bucket\"; set storage_url too, or remove this key",
                    ));
                }
            }
            return Ok(StorageConfig::Local);
        };
        let rest = url.trim().strip_prefix("s3://").ok_or_else(|| {
            cfg_err(
                "storage_url",
                &from,
                format!("'{url}' is not an s3://bucket or s3://bucket/prefix URL; leave it unset to keep recordings in data_dir"),
            )
        })?;
        let (bucket, prefix) = match rest.split_once('/') {
            Some((b, p)) => (b, Some(p.trim_matches('/')).filter(|p| !p.is_empty())),
            None => (rest, None),
        };
        // S3's own rule for bucket names, which S3-compatible services follow.
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !valid_bucket {
            return Err(cfg_err(
                "storage_url",
                &from,
                format!("'{bucket}' is not a bucket name (3 to 63 lowercase letters, digits, dots and hyphens)"),
            ));
        }
        let endpoint = match k.endpoint.filter(|(v, _)| !v.trim().is_empty()) {
            None => None,
            Some((e, from)) => {
                crate::outbound::secure_url(&e, "recordings", "https://minio.example.com:9000")
                    .map_err(|m| cfg_err("storage_endpoint", &from, m))?;
                Some(e.trim().trim_end_matches('/').to_owned())
            }
        };
        let region = k
            .region
            .map(|(r, _)| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "us-east-1".to_owned());
        let keys = match (k.access_key_id, k.secret_access_key) {
            (None, None) => None,
            (Some((id, _)), Some((secret, _))) => Some((id, secret)),
            (Some((_, from)), None) => {
                return Err(cfg_err(
                    "storage_secret_access_key",
                    &from,
                    "is missing: storage_access_key_id needs its secret (or set neither to use AWS_* variables or the instance's role)",
                ))
            }
            (None, Some((_, from))) => {
                return Err(cfg_err(
                    "storage_access_key_id",
                    &from,
                    "is missing: storage_secret_access_key needs its key id (or set neither to use AWS_* variables or the instance's role)",
                ))
            }
        };
        Ok(StorageConfig::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.map(str::to_owned),
            endpoint,
            region,
            keys,
        })
    }
}

/// Why media could not be stored, read or deleted. Its text never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{0} is not stored")]
    NotFound(String),
    #[error("{where_}: {message}")]
    Failed { where_: String, message: String },
}

/// The recordings' store.
#[derive(Clone)]
pub struct Storage {
    inner: Arc<dyn ObjectStore>,
    /// Where, for messages: the directory or `s3://bucket/prefix`.
    label: String,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

impl Storage {
    /// Opens the store `config` names; files go below `data_dir` when it names none.
    pub fn open(config: &StorageConfig, data_dir: &Path) -> Result<Storage, StorageError> {
        match config {
            StorageConfig::Local => {
                let failed = |message: String| StorageError::Failed {
                    where_: data_dir.display().to_string(),
                    message,
                };
                std::fs::create_dir_all(data_dir).map_err(|e| failed(e.to_string()))?;
                let fs = LocalFileSystem::new_with_prefix(data_dir)
                    .map_err(|e| failed(e.to_string()))?;
                Ok(Storage {
                    inner: Arc::new(fs),
                    label: data_dir.display().to_string(),
                })
            }
            StorageConfig::S3 {
                bucket,
                prefix,
                endpoint,
                region,
                keys,
            } => {
                let label = match prefix {
                    Some(p) => format!("s3://{bucket}/{p}"),
                    None => format!("s3://{bucket}"),
                };
                // Without keys, the usual AWS sources: AWS_* variables, then the instance's role.
                let mut b = match keys {
                    Some((id, secret)) => AmazonS3Builder::new()
                        .with_access_key_id(id)
                        .with_secret_access_key(secret),
                    None => AmazonS3Builder::from_env(),
                }
                .with_bucket_name(bucket)
                .with_region(region)
                // Few quick retries: the durable job that called retries later, with the
                // reason on the call's log, instead of holding its claim for minutes.
                .with_retry(RetryConfig {
                    backoff: BackoffConfig::default(),
                    max_retries: 2,
                    retry_timeout: Duration::from_secs(15),
                })
                .with_client_options(
                    ClientOptions::new()
                        .with_connect_timeout(Duration::from_secs(5))
                        .with_timeout(Duration::from_secs(120)),
                );
                if let Some(e) = endpoint {
                    // S3-compatible services are addressed path-style; plain http was only
                    // accepted for this machine.
                    b = b.with_endpoint(e).with_allow_http(e.starts_with("http://"));
                }
                let s3 = b.build().map_err(|e| StorageError::Failed {
                    where_: label.clone(),
                    message: e.to_string(),
                })?;
                let inner: Arc<dyn ObjectStore> = match prefix {
                    Some(p) => Arc::new(PrefixStore::new(s3, p.as_str())),
                    None => Arc::new(s3),
                };
                Ok(Storage { inner, label })
            }
        }
    }

    fn key(&self, key: &str) -> Result<Key, StorageError> {
        Key::parse(key).map_err(|e| self.failed(key, e.to_string()))
    }

    fn failed(&self, key: &str, message: String) -> StorageError {
        StorageError::Failed {
            where_: format!("{}/{key}", self.label),
            message,
        }
    }

    fn error(&self, key: &str, e: object_store::Error) -> StorageError {
        match e {
            object_store::Error::NotFound { .. } => {
                StorageError::NotFound(format!("{}/{key}", self.label))
            }
            other => self.failed(key, other.to_string()),
        }
    }

    /// Stores `bytes` at `key` whole: a reader sees the old object or the new one, never a
    /// part (a rename on disk; a single PUT on S3).
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        let k = self.key(key)?;
        self.inner
            .put(&k, PutPayload::from_bytes(bytes))
            .await
            .map(|_| ())
            .map_err(|e| self.error(key, e))
    }

    /// The bytes stored at `key`.
    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        let k = self.key(key)?;
        let got = self.inner.get(&k).await.map_err(|e| self.error(key, e))?;
        got.bytes().await.map_err(|e| self.error(key, e))
    }

    /// The size of the object at `key`, without reading it.
    pub async fn size(&self, key: &str) -> Result<u64, StorageError> {
        let k = self.key(key)?;
        let meta = self.inner.head(&k).await.map_err(|e| self.error(key, e))?;
        Ok(meta.size)
    }

    /// Deletes `key`; an object already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let k = self.key(key)?;
        match self.inner.delete(&k).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error(key, e)),
        }
    }

    /// Whether the store answers: lists the prefix (an empty or missing bucket, wrong keys or
    /// an unreachable endpoint say so here rather than at the first voicemail).
    pub async fn check(&self) -> Result<(), StorageError> {
        self.inner
            .list_with_delimiter(Some(&Key::from("recordings")))
            .await
            .map(|_| ())
            .map_err(|e| self.failed("recordings", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(v: &str) -> Layer {
        Some((v.to_owned(), "test".to_owned()))
    }

    fn keys(
        url: &str,
        endpoint: &str,
        id: &str,
        secret: &str,
    ) -> Result<StorageConfig, ConfigError> {
        let opt = |v: &str| if v.is_empty() { None } else { layer(v) };
        StorageConfig::from_layers(Keys {
            url: opt(url),
            endpoint: opt(endpoint),
            region: None,
            access_key_id: opt(id),
            secret_access_key: opt(secret),
        })
    }

    #[test]
    fn settings_are_checked_by_key() {
        assert_eq!(keys("", "", "", "").unwrap(), StorageConfig::Local);
        let e = keys("", "https://minio.example", "", "").unwrap_err();
        assert_eq!(e.key, "storage_endpoint");
        assert!(e.message.contains("storage_url"), "{e}");
        let e = keys("gs://bucket", "", "", "").unwrap_err();
        assert_eq!(e.key, "storage_url");
        assert!(e.message.contains("s3://bucket"), "{e}");
        let e = keys("s3://My_Bucket", "", "", "").unwrap_err();
        assert!(
            e.message.contains("'My_Bucket' is not a bucket name"),
            "{e}"
        );
        let e = keys("s3://calls", "http://minio.example.com", "", "").unwrap_err();
        assert!(e.message.contains("https"), "{e}");
        let e = keys("s3://calls", "minio:9000", "", "").unwrap_err();
        assert!(e.message.contains("not an http(s) URL"), "{e}");
        let e = keys("s3://calls", "", "AKID", "").unwrap_err();
        assert_eq!(e.key, "storage_secret_access_key");
        let e = keys("s3://calls", "", "", "s3cret").unwrap_err();
        assert_eq!(e.key, "storage_access_key_id");
        let ok = keys(
            "s3://calls/prod/",
            "http://127.0.0.1:9000/",
            "AKID",
            "s3cret",
        )
        .unwrap();
        assert_eq!(
            ok,
            StorageConfig::S3 {
                bucket: "calls".into(),
                prefix: Some("prod".into()),
                endpoint: Some("http://127.0.0.1:9000".into()),
                region: "us-east-1".into(),
                keys: Some(("AKID".into(), "s3cret".into())),
            }
        );
        // The secret never shows in a printed configuration.
        assert!(!format!("{ok:?}").contains("s3cret"));
        assert!(format!("{ok:?}").contains("AKID"));
    }

    #[tokio::test]
    async fn a_local_store_keeps_what_it_is_given() {
        let dir = tempfile::tempdir().unwrap();
        let s = Storage::open(&StorageConfig::Local, dir.path()).unwrap();
        s.put("recordings/1/2.wav", Bytes::from_static(b"RIFF"))
            .await
            .unwrap();
        // The same place on disk as before a store was configured.
        assert_eq!(
            std::fs::read(dir.path().join("recordings/1/2.wav")).unwrap(),
            b"RIFF"
        );
        assert_eq!(s.get("recordings/1/2.wav").await.unwrap(), &b"RIFF"[..]);
        assert_eq!(s.size("recordings/1/2.wav").await.unwrap(), 4);
        s.delete("recordings/1/2.wav").await.unwrap();
        s.delete("recordings/1/2.wav").await.unwrap();
        assert!(matches!(
            s.get("recordings/1/2.wav").await,
            Err(StorageError::NotFound(_))
        ));
        s.check().await.unwrap();
    }
}
