//! Per-client rate limits (tower_governor). The key is the peer IP; `X-Forwarded-For` is
//! believed only when the peer is a configured trusted proxy, so a forged header cannot
//! pick someone else's bucket. The key table is pruned periodically, since governor keeps
//! every key it has seen. IPv6 clients are keyed by their /64 (see [`limit_key`]).

use std::{
    net::{IpAddr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use axum::{body::Body, extract::ConnectInfo, http::Request};
use governor::middleware::NoOpMiddleware;
use tower_governor::{governor::GovernorConfigBuilder, key_extractor::KeyExtractor, GovernorError, GovernorLayer};

#[derive(Debug, Clone)]
pub struct Limits {
    pub per_second: u32,
    pub burst: u32,
    pub trusted_proxies: Arc<Vec<IpAddr>>,
    /// `/api/v1` requests per second per API key, and its burst (`crate::api::auth`).
    pub api_per_second: u32,
    pub api_burst: u32,
}

#[derive(Debug, Clone)]
pub struct ClientIp {
    trusted_proxies: Arc<Vec<IpAddr>>,
}

impl ClientIp {
    pub fn new(trusted_proxies: Arc<Vec<IpAddr>>) -> Self {
        Self { trusted_proxies }
    }

    /// The client's address: the peer, or — behind a trusted proxy — the right-most
    /// `X-Forwarded-For` entry that is not itself a trusted proxy.
    pub fn resolve<T>(&self, req: &Request<T>) -> Option<IpAddr> {
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
        if !self.trusted_proxies.contains(&peer) {
            return Some(peer);
        }
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .collect::<Vec<_>>();
        Some(
            forwarded
                .into_iter()
                .rev()
                .find(|ip| !self.trusted_proxies.contains(ip))
                .unwrap_or(peer),
        )
    }
}

/// The bucket an address counts against. One IPv6 subscriber usually holds a whole /64
/// (and can pick any address in it), so per-IP limits key IPv6 by its /64; an IPv4-mapped
/// IPv6 address counts as the IPv4 address it carries.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<Self::Key, GovernorError> {
        self.resolve(req)
            .map(limit_key)
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

pub type Layer = GovernorLayer<ClientIp, NoOpMiddleware, Body>;

/// Builds the layer and starts the task that prunes idle keys.
pub fn layer(limits: &Limits) -> Layer {
    let per_second = limits.per_second.max(1);
    let config = GovernorConfigBuilder::default()
        .period(Duration::from_nanos(1_000_000_000 / u64::from(per_second)))
        .burst_size(limits.burst.max(1))
        .key_extractor(ClientIp::new(limits.trusted_proxies.clone()))
        .finish()
        .expect("period and burst are non-zero");
    let limiter = config.limiter().clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    });
    GovernorLayer::new(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(peer: &str, xff: Option<&str>) -> Request<()> {
        let mut r = Request::builder().uri("/");
        if let Some(x) = xff {
            r = r.header("x-forwarded-for", x);
        }
        let mut r = r.body(()).unwrap();
        r.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        r
    }

    #[test]
    fn forwarded_for_is_ignored_from_untrusted_peers() {
        let k = ClientIp::new(Arc::new(vec![]));
        assert_eq!(
            k.resolve(&req("203.0.113.7:5000", Some("1.2.3.4"))),
            Some("203.0.113.7".parse().unwrap())
        );
    }

    #[test]
    fn ipv6_is_limited_per_64_and_mapped_ipv4_as_ipv4() {
        let key = |s: &str| limit_key(s.parse().unwrap());
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:eeee:dddd:cccc"));
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::".parse::<IpAddr>().unwrap());
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7".parse::<IpAddr>().unwrap());
        assert_eq!(key("203.0.113.7"), "203.0.113.7".parse::<IpAddr>().unwrap());
        assert_ne!(key("203.0.113.7"), key("203.0.113.8"));
    }

    #[test]
    fn trusted_proxy_yields_the_rightmost_untrusted_hop() {
        let k = ClientIp::new(Arc::new(vec!["10.0.0.1".parse().unwrap()]));
        // the client forged the first entry; the proxy appended the real one
        assert_eq!(
            k.resolve(&req("10.0.0.1:443", Some("6.6.6.6, 198.51.100.9"))),
            Some("198.51.100.9".parse().unwrap())
        );
        assert_eq!(k.resolve(&req("10.0.0.1:443", None)), Some("10.0.0.1".parse().unwrap()));
    }
}
