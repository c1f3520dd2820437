//! Which addresses a webhook may reach (server-side request forgery): a receiver must be a
//! public address unless the operator's allow-list (`CIVLINK_WEBHOOK_ALLOW`) names it.
//! Checked when a webhook is registered or changed (a `userError`), and again for every
//! delivery after DNS resolution, by the HTTP client's own resolver ([`GuardedResolver`]),
//! so a name that resolves to a public address at registration and to an internal one later
//! (DNS rebinding) is still refused.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use ipnet::IpNet;

/// The operator's allow-list: networks a webhook may reach although they are not public
/// (`CIVLINK_WEBHOOK_ALLOW`, e.g. `10.20.0.0/16,192.168.1.7`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookAllow(pub Vec<IpNet>);

impl FromStr for WebhookAllow {
    type Err = String;

    /// A comma-separated list of addresses (`127.0.0.1`, `::1`) and networks in CIDR
    /// notation (`10.0.0.0/8`); empty: none.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let net = match item.parse::<IpNet>() {
                Ok(n) => n,
                Err(_) => match item.parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip),
                    Err(_) => {
                        return Err(format!("`{item}` is not an IP address or a network (CIDR, e.g. 10.0.0.0/8)"));
                    }
                },
            };
            out.push(net.trunc());
        }
        Ok(Self(out))
    }
}

impl WebhookAllow {
    /// Whether a webhook may connect to `ip`: a public address, or one the list names.
    pub fn permits(&self, ip: IpAddr) -> bool {
        !forbidden(ip) || self.0.iter().any(|n| n.contains(&ip))
    }
}

/// Loopback, unspecified, private (RFC 1918), carrier-grade NAT (RFC 6598, also Alibaba
/// Cloud's metadata address 100.100.100.200), link-local (cloud metadata 169.254.169.254),
/// IETF protocol assignments, benchmarking, multicast, reserved and broadcast IPv4; and for
/// IPv6 loopback, unspecified, unique-local (fc00::/7, also AWS's fd00:ec2::254), link-local,
/// multicast, and the IPv4 addresses embedded in IPv4-mapped, NAT64 and 6to4 addresses.
pub fn forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4);
            }
            let s = v6.segments();
            // 64:ff9b::/96, NAT64 (RFC 6052): the last 32 bits are an IPv4 address.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                return forbidden_v4(Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8));
            }
            // 2002::/16, 6to4 (RFC 3056): bits 16-47 are an IPv4 address, which a relay reaches.
            if s[0] == 0x2002 {
                return forbidden_v4(Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xff00) == 0xff00
                // IPv4-compatible (deprecated, ::a.b.c.d): not public receivers either.
                || (s[0..6] == [0, 0, 0, 0, 0, 0])
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_unspecified()
        || o[0] == 0
        || ip.is_loopback()
        || ip.is_private()
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || ip.is_link_local()
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        || o[0] >= 224
}

/// Why a URL may not be a webhook's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    /// Not an absolute http(s) URL with a host, or with a user name or password in it.
    #[error("{0}")]
    Invalid(String),
    /// The host is, or resolves to, an address that is not public and not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// The host name does not resolve.
    #[error("{0}")]
    Unresolvable(String),
}

impl UrlProblem {
    /// The `userErrors` code.
    pub fn code(&self) -> &'static str {
        match self {
            UrlProblem::Invalid(_) => "INVALID_URL",
            UrlProblem::Forbidden(_) => "FORBIDDEN_ADDRESS",
            UrlProblem::Unresolvable(_) => "UNRESOLVABLE_HOST",
        }
    }
}

/// Parses a webhook URL: absolute `http` or `https`, a host, no credentials, at most 2048
/// characters.
pub fn parse_url(url: &str) -> Result<reqwest::Url, UrlProblem> {
    let url = url.trim();
    if url.chars().count() > 2048 {
        return Err(UrlProblem::Invalid("url: at most 2048 characters".into()));
    }
    let parsed =
        reqwest::Url::parse(url).map_err(|e| UrlProblem::Invalid(format!("url: not an absolute URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(UrlProblem::Invalid("url: the scheme must be http or https".into()));
    }
    if parsed.host().is_none() {
        return Err(UrlProblem::Invalid("url: a host is required".into()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(UrlProblem::Invalid("url: user names and passwords do not belong in the URL".into()));
    }
    Ok(parsed)
}

/// The host's IP when the URL names one literally.
fn literal_ip(url: &reqwest::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(_) => None,
    }
}

/// Checks a URL for registration: parsed as [`parse_url`], and its host (an address, or
/// every address its name resolves to now) permitted by `allow`.
pub async fn check_url(url: &str, allow: &WebhookAllow) -> Result<reqwest::Url, UrlProblem> {
    let parsed = parse_url(url)?;
    let refused = |ip: IpAddr| {
        UrlProblem::Forbidden(format!(
            "url: {ip} is a loopback, private, link-local or otherwise internal address; webhooks go to public \
             addresses only (an operator can allow more with CIVLINK_WEBHOOK_ALLOW)"
        ))
    };
    if let Some(ip) = literal_ip(&parsed) {
        return if allow.permits(ip) { Ok(parsed) } else { Err(refused(ip)) };
    }
    let host = parsed.host_str().unwrap_or_default().to_owned();
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
        .await
        .map_err(|_| UrlProblem::Unresolvable(format!("url: the host `{host}` does not resolve")))?
        .collect();
    if addrs.is_empty() {
        return Err(UrlProblem::Unresolvable(format!("url: the host `{host}` does not resolve")));
    }
    if let Some(bad) = addrs.iter().map(SocketAddr::ip).find(|ip| !allow.permits(*ip)) {
        return Err(refused(bad));
    }
    Ok(parsed)
}

/// Checks, before a delivery, a URL whose host is an IP literal (the HTTP client connects to
/// those without asking the resolver).
pub fn check_literal(url: &reqwest::Url, allow: &WebhookAllow) -> Result<(), UrlProblem> {
    match literal_ip(url) {
        Some(ip) if !allow.permits(ip) => Err(UrlProblem::Forbidden(format!("{ip} is not a permitted address"))),
        _ => Ok(()),
    }
}

/// The HTTP client's resolver: the system's, with the addresses a webhook may not reach
/// removed; a name left with none fails to resolve. Connecting then uses only the addresses
/// checked here, so a DNS answer cannot change between the check and the connection.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    pub allow: Arc<WebhookAllow>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = all.into_iter().filter(|a| allow.permits(a.ip())).collect();
            if kept.is_empty() {
                let e: Box<dyn std::error::Error + Send + Sync> =
                    format!("`{host}` resolves to no address a webhook may reach").into();
                return Err(e);
            }
            let addrs: reqwest::dns::Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_forbidden_and_public_ones_are_not() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "100.100.100.200",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            // 6to4 of 127.0.0.1 and of 10.0.0.1 (found by a new-user review).
            "2002:7f00:1::",
            "2002:a00:1::1",
        ] {
            assert!(forbidden(bad.parse().unwrap()), "{bad}");
        }
        for good in ["8.8.8.8", "114.114.114.114", "2400:3200::1", "64:ff9b::808:808", "2002:808:808::1"] {
            assert!(!forbidden(good.parse().unwrap()), "{good}");
        }
    }

    #[test]
    fn the_allow_list_parses_addresses_and_networks_and_permits_them() {
        let allow: WebhookAllow = "127.0.0.1, 10.20.0.0/16".parse().unwrap();
        assert!(allow.permits("127.0.0.1".parse().unwrap()));
        assert!(allow.permits("10.20.3.4".parse().unwrap()));
        assert!(!allow.permits("10.21.0.1".parse().unwrap()));
        assert!(!allow.permits("::1".parse().unwrap()));
        assert!("".parse::<WebhookAllow>().unwrap().0.is_empty());
        assert!("localhost".parse::<WebhookAllow>().is_err());
    }

    #[test]
    fn urls_must_be_http_with_a_host_and_no_credentials() {
        assert!(parse_url("https://hooks.example.gov.cn/civlink").is_ok());
        for bad in ["ftp://x.example/", "file:///etc/passwd", "https://user:pw@x.example/", "not a url", "http://"] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }
}
