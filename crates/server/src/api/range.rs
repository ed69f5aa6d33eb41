//! HTTP Range requests for stored audio (RFC 9110 §14): one byte range answered 206 with its
//! `Content-Range`, so players can seek (Safari will not play audio without it); a range past
//! the end 416; anything else (no header, several ranges, another unit) the whole file.

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;

/// The first and last byte a `Range` header asks of a file of `len` bytes: `None` for the
/// whole file, `Err` when the range cannot be satisfied.
fn wanted(range: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let (first, last) = match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(f), Ok(l)) if f <= l => (f, l.min(len.saturating_sub(1))),
        (Ok(_), Ok(_)) => return Ok(None),
        (Ok(f), Err(_)) if b.is_empty() => (f, len.saturating_sub(1)),
        (Err(_), Ok(n)) if a.is_empty() => {
            if n == 0 {
                return Err(());
            }
            (len.saturating_sub(n), len.saturating_sub(1))
        }
        _ => return Ok(None),
    };
    if len == 0 || first >= len {
        return Err(());
    }
    Ok(Some((first, last)))
}

/// The file `bytes` of type `content_type`, or the part of it the request's `Range` asks for.
pub fn ranged(bytes: Vec<u8>, content_type: &str, headers: &HeaderMap) -> Response {
    let len = bytes.len() as u64;
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT_RANGES, "bytes");
    let resp = match wanted(range, len) {
        Ok(None) => builder.body(Body::from(bytes)),
        Ok(Some((first, last))) => builder
            .status(StatusCode::PARTIAL_CONTENT)
            .header(header::CONTENT_RANGE, format!("bytes {first}-{last}/{len}"))
            .body(Body::from(bytes[first as usize..=last as usize].to_vec())),
        Err(()) => builder
            .status(StatusCode::RANGE_NOT_SATISFIABLE)
            .header(header::CONTENT_RANGE, format!("bytes */{len}"))
            .body(Body::empty()),
    };
    resp.expect("the headers are valid")
}

#[cfg(test)]
mod tests {
    use super::wanted;

    #[test]
    fn ranges_as_players_send_them() {
        assert_eq!(wanted(None, 100), Ok(None));
        assert_eq!(wanted(Some("bytes=0-"), 100), Ok(Some((0, 99))));
        assert_eq!(wanted(Some("bytes=10-19"), 100), Ok(Some((10, 19))));
        assert_eq!(wanted(Some("bytes=90-200"), 100), Ok(Some((90, 99))));
        assert_eq!(wanted(Some("bytes=-10"), 100), Ok(Some((90, 99))));
        assert_eq!(wanted(Some("bytes=-500"), 100), Ok(Some((0, 99))));
        assert_eq!(wanted(Some("bytes=100-"), 100), Err(()));
        assert_eq!(wanted(Some("bytes=-0"), 100), Err(()));
        assert_eq!(
            wanted(Some("bytes=0-1,5-6"), 100),
            Ok(None),
            "several: the whole file"
        );
        assert_eq!(wanted(Some("items=0-1"), 100), Ok(None));
        assert_eq!(wanted(Some("bytes=5-2"), 100), Ok(None));
    }
}
