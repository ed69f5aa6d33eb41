//! Which peers may tell us a request's real client address (`X-Forwarded-For`): the reverse
//! proxies in front of Switchboard, by address or network (`10.0.0.0/8`, `::1`).

use axum::http::HeaderMap;
use std::net::IpAddr;

/// The trusted proxies; empty: no forwarding header is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses addresses and networks; the error names the entry that is neither.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|e| {
                let bad = || format!("'{e}' is not an IP address or a network such as 10.0.0.0/8");
                let (addr, bits) = match e.split_once('/') {
                    Some((a, b)) => (a, Some(b.parse::<u8>().map_err(|_| bad())?)),
                    None => (e.as_str(), None),
                };
                let ip: IpAddr = addr.trim().parse().map_err(|_| bad())?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                let bits = bits.unwrap_or(max);
                if bits > max {
                    return Err(bad());
                }
                Ok((ip, bits))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is one of them.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|(net, bits)| in_network(ip, *net, *bits))
    }

    /// The client a request came from: the peer, or, when the peer is a trusted proxy, the
    /// nearest address in `X-Forwarded-For` that is not one (read from the right, as each
    /// proxy appends the address it saw).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in forwarded.into_iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if self.contains(ip) => continue,
                Ok(ip) => return ip,
                // A hop we cannot read: stop believing the header there.
                Err(_) => break,
            }
        }
        peer
    }
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_match_and_forwarded_addresses_are_read_from_the_right() {
        let p = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        assert!(p.contains("10.200.3.4".parse().unwrap()));
        assert!(!p.contains("11.0.0.1".parse().unwrap()));
        assert!(p.contains("::1".parse().unwrap()));
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "198.51.100.9, 203.0.113.5, 10.1.1.1".parse().unwrap(),
        );
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(
            p.client(proxy, &h),
            "203.0.113.5".parse::<IpAddr>().unwrap()
        );
        let stranger: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            p.client(stranger, &h),
            stranger,
            "only a trusted peer is believed"
        );
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["proxy.local".into()]).is_err());
        assert_eq!(TrustedProxies::default().client(proxy, &h), proxy);
    }
}
