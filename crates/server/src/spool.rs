//! The local spool: webhooks that could not be stored, kept on disk until the store takes them.
//!
//! When the database is unreachable (or a voice webhook fails for another reason), what the
//! provider told us — above all the voicemail a caller left after the apology — must not be
//! lost. The raw request (path, signature headers, body) is appended to a file in
//! `data_dir/spool/`, fsynced before the provider gets its answer, and replayed into the call
//! log once the store answers again. The signature is checked at replay, against the line as
//! stored, so a forged request sent during an outage is dropped then.
//!
//! Each process appends to its own file (`<instance>.jsonl`) and holds an exclusive lock on
//! it. A file nobody holds belongs to a process that stopped; whichever instance sees it
//! first takes its lock and replays it. A file is a sequence of JSON lines: an entry, or a
//! `done` marker naming a replayed entry, so a restart in the middle of a replay repeats at
//! most the entry that was being replayed.

use base64::Engine as _;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Largest spool file kept; beyond it new entries are refused (the provider gets a 503).
pub const MAX_SPOOL_BYTES: u64 = 64 * 1024 * 1024;

/// Request headers a signature check needs; nothing else is kept.
pub const SIGNATURE_HEADERS: [&str; 3] = [
    "x-twilio-signature",
    "x-plivo-signature-v3",
    "x-plivo-signature-v3-nonce",
];

/// One webhook kept for replay.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// Unique within the spool: `<instance>-<n>`.
    pub id: String,
    pub received_at: Timestamp,
    /// `twilio` or `plivo`, from the path.
    pub provider: String,
    /// The line's webhook token, from the path.
    pub token: String,
    /// Path and query as requested, below the public URL (what the provider signed).
    pub path: String,
    /// The signature headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The form body, base64.
    pub body: String,
    /// The provider's id for the call, when the body names one (orders later webhooks of
    /// the same call behind this one).
    pub call_sid: Option<String>,
    /// What went wrong, in words for the call log ("the database was unavailable").
    pub cause: String,
}

impl Entry {
    /// The form body.
    pub fn body_bytes(&self) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.body)
            .unwrap_or_default()
    }

    /// A header as kept.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    Entry(Entry),
    Done(String),
}

/// The spool of this process.
pub struct Spool {
    dir: PathBuf,
    instance: String,
    /// Our own file, locked for the life of the process.
    own: Mutex<OwnFile>,
    /// Calls with entries not yet replayed: (token, call sid).
    pending_calls: Mutex<HashMap<(String, String), usize>>,
    /// Wakes the replayer.
    pub notify: tokio::sync::Notify,
}

struct OwnFile {
    file: File,
    path: PathBuf,
    next: u64,
    bytes: u64,
    /// Entries appended and not yet replayed (ids).
    pending: HashSet<String>,
}

/// A spool file of a stopped process, locked by us while we replay it.
pub struct Orphan {
    pub path: PathBuf,
    _lock: File,
}

/// Why an entry could not be kept.
#[derive(Debug, thiserror::Error)]
#[error("could not write the spool {path}: {source}")]
pub struct SpoolError {
    path: String,
    #[source]
    source: std::io::Error,
}

impl Spool {
    /// Opens (creating) `data_dir/spool/` and this process's file in it.
    pub fn open(data_dir: &Path) -> Result<Spool, SpoolError> {
        let dir = data_dir.join("spool");
        let err = |source| SpoolError {
            path: dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(err)?;
        let instance = format!(
            "{}-{:08x}",
            Timestamp::now().as_millisecond(),
            rand::random::<u32>()
        );
        let path = dir.join(format!("{instance}.jsonl"));
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(err)?;
        file.try_lock().map_err(|e| err(std::io::Error::other(e)))?;
        Ok(Spool {
            dir,
            instance,
            own: Mutex::new(OwnFile {
                file,
                path,
                next: 0,
                bytes: 0,
                pending: HashSet::new(),
            }),
            pending_calls: Mutex::default(),
            notify: tokio::sync::Notify::new(),
        })
    }

    /// Appends `entry` (its id is assigned here) and fsyncs it. Returns the id.
    pub fn append(&self, mut entry: Entry) -> Result<String, SpoolError> {
        let mut own = self.own.lock().unwrap_or_else(|e| e.into_inner());
        entry.id = format!("{}-{}", self.instance, own.next);
        let mut line = serde_json::to_vec(&Line::Entry(entry.clone()))
            .expect("spool entries always serialize");
        line.push(b'\n');
        let path = own.path.display().to_string();
        let err = |source| SpoolError { path, source };
        if own.bytes + line.len() as u64 > MAX_SPOOL_BYTES {
            return Err(err(std::io::Error::other("the spool is full")));
        }
        own.file
            .write_all(&line)
            .and_then(|()| own.file.sync_data())
            .map_err(err)?;
        own.next += 1;
        own.bytes += line.len() as u64;
        own.pending.insert(entry.id.clone());
        drop(own);
        if let Some(sid) = &entry.call_sid {
            *self
                .pending_calls
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry((entry.token.clone(), sid.clone()))
                .or_default() += 1;
        }
        self.notify.notify_one();
        Ok(entry.id)
    }

    /// Whether the call has entries waiting: its later webhooks must queue behind them.
    pub fn has_pending(&self, token: &str, call_sid: &str) -> bool {
        self.pending_calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&(token.to_owned(), call_sid.to_owned()))
    }

    /// Entries of our own file not yet replayed, oldest first.
    pub fn own_pending(&self) -> Vec<Entry> {
        let own = self.own.lock().unwrap_or_else(|e| e.into_inner());
        if own.pending.is_empty() {
            return vec![];
        }
        read_pending(&own.path).unwrap_or_default()
    }

    /// Records that `entry` was replayed (or dropped for good).
    pub fn mark_done_own(&self, entry: &Entry) -> Result<(), SpoolError> {
        let mut own = self.own.lock().unwrap_or_else(|e| e.into_inner());
        let mut line = serde_json::to_vec(&Line::Done(entry.id.clone())).expect("serializes");
        line.push(b'\n');
        let path = own.path.display().to_string();
        own.file
            .write_all(&line)
            .and_then(|()| own.file.sync_data())
            .map_err(|source| SpoolError { path, source })?;
        own.bytes += line.len() as u64;
        own.pending.remove(&entry.id);
        if own.pending.is_empty() {
            // Everything replayed: start the file over, so a long-running process's spool
            // does not fill up with what is done.
            let path = own.path.display().to_string();
            own.file
                .set_len(0)
                .and_then(|()| own.file.sync_data())
                .map_err(|source| SpoolError { path, source })?;
            own.bytes = 0;
        }
        drop(own);
        self.release_call(entry);
        Ok(())
    }

    fn release_call(&self, entry: &Entry) {
        if let Some(sid) = &entry.call_sid {
            let mut calls = self.pending_calls.lock().unwrap_or_else(|e| e.into_inner());
            let key = (entry.token.clone(), sid.clone());
            if let Some(n) = calls.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    calls.remove(&key);
                }
            }
        }
    }

    /// How many entries of our own file wait.
    pub fn own_pending_count(&self) -> usize {
        self.own
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pending
            .len()
    }

    /// Spool files of processes that stopped, each locked for us.
    pub fn orphans(&self) -> Vec<Orphan> {
        let own_path = self
            .own
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .path
            .clone();
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return vec![];
        };
        dir.filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl") && *p != own_path)
            .filter_map(|path| {
                let lock = OpenOptions::new().append(true).open(&path).ok()?;
                lock.try_lock().ok()?;
                Some(Orphan { path, _lock: lock })
            })
            .collect()
    }
}

impl Orphan {
    /// Its entries not yet replayed, oldest first.
    pub fn pending(&self) -> Vec<Entry> {
        read_pending(&self.path).unwrap_or_default()
    }

    /// Records that `entry` was replayed.
    pub fn mark_done(&self, entry: &Entry) -> Result<(), SpoolError> {
        let mut line = serde_json::to_vec(&Line::Done(entry.id.clone())).expect("serializes");
        line.push(b'\n');
        let path = self.path.display().to_string();
        OpenOptions::new()
            .append(true)
            .open(&self.path)
            .and_then(|mut f| {
                f.write_all(&line)?;
                f.sync_data()
            })
            .map_err(|source| SpoolError { path, source })
    }

    /// Removes the file once everything in it was replayed.
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The entries of a spool file without a `done` marker, in the order they were written. A
/// torn last line (a crash in the middle of a write, before the fsync returned) is skipped:
/// its request was never acknowledged.
fn read_pending(path: &Path) -> std::io::Result<Vec<Entry>> {
    let f = File::open(path)?;
    let mut entries = vec![];
    let mut done = HashSet::new();
    for line in BufReader::new(f).lines() {
        let line = line?;
        match serde_json::from_str::<Line>(&line) {
            Ok(Line::Entry(e)) => entries.push(e),
            Ok(Line::Done(id)) => {
                done.insert(id);
            }
            Err(_) => {}
        }
    }
    entries.retain(|e| !done.contains(&e.id));
    Ok(entries)
}

/// The pending-call keys of entries read back from an orphan, so later webhooks of those calls
/// queue behind them too.
impl Spool {
    pub fn hold_calls(&self, entries: &[Entry]) {
        let mut calls = self.pending_calls.lock().unwrap_or_else(|e| e.into_inner());
        for e in entries {
            if let Some(sid) = &e.call_sid {
                *calls.entry((e.token.clone(), sid.clone())).or_default() += 1;
            }
        }
    }

    /// Releases one hold taken by [`Spool::hold_calls`].
    pub fn release(&self, entry: &Entry) {
        self.release_call(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sid: &str) -> Entry {
        Entry {
            id: String::new(),
            received_at: Timestamp::UNIX_EPOCH,
            provider: "twilio".into(),
            token: "tok".into(),
            path: "/hooks/twilio/tok/voice".into(),
            headers: vec![("x-twilio-signature".into(), "sig".into())],
            body: base64::engine::general_purpose::STANDARD.encode("CallSid=CA1"),
            call_sid: Some(sid.into()),
            cause: "the database was unavailable".into(),
        }
    }

    #[test]
    fn entries_survive_the_process_and_are_replayed_once() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        spool.append(entry("CA1")).unwrap();
        spool.append(entry("CA2")).unwrap();
        assert!(spool.has_pending("tok", "CA1"));
        let pending = spool.own_pending();
        assert_eq!(pending.len(), 2);
        assert_eq!(pending[0].body_bytes(), b"CallSid=CA1");
        spool.mark_done_own(&pending[0]).unwrap();
        assert!(!spool.has_pending("tok", "CA1"));
        assert!(spool.has_pending("tok", "CA2"));
        let path = spool.own.lock().unwrap().path.clone();
        assert!(std::fs::metadata(&path).unwrap().len() > 0);
        // Our own file is locked: it is nobody's orphan while we live.
        let other = Spool::open(dir.path()).unwrap();
        assert!(other
            .orphans()
            .iter()
            .all(|o| o.path != spool.own.lock().unwrap().path));
        drop(spool);
        // Once we are gone, another process finds what is left, and only that.
        let orphans = other.orphans();
        assert_eq!(orphans.len(), 1);
        let left = orphans[0].pending();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].call_sid.as_deref(), Some("CA2"));
    }

    #[test]
    fn a_fully_replayed_spool_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let path = spool.own.lock().unwrap().path.clone();
        for _ in 0..3 {
            spool.append(entry("CA1")).unwrap();
            for e in spool.own_pending() {
                spool.mark_done_own(&e).unwrap();
            }
            assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
            assert_eq!(spool.own_pending_count(), 0);
        }
        // Ids stay unique across the restarts of the file.
        spool.append(entry("CA2")).unwrap();
        assert!(spool.own_pending()[0].id.ends_with("-3"));
    }

    #[test]
    fn a_torn_last_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        spool.append(entry("CA1")).unwrap();
        let path = spool.own.lock().unwrap().path.clone();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"entry\":{\"id\":\"x")
            .unwrap();
        assert_eq!(read_pending(&path).unwrap().len(), 1);
    }
}
