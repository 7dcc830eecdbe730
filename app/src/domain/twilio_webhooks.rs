//! The addresses to paste into Twilio's console for a tracked number: where Twilio sends
//! its calls ("A call comes in"), their status changes ("Call status changes") and its texts
//! ("A message comes in"). They are built from `CALLSNARE_PUBLIC_URL`, the address Twilio
//! signs its requests over; the server's routes (`server/src/webhooks/twilio.rs`) answer at
//! these paths, and a test holds the two together.

use serde::{Deserialize, Serialize};

/// "A call comes in" (voice webhook, HTTP POST).
pub const VOICE_PATH: &str = "/api/twilio/voice/inbound";
/// "Call status changes" (the number's voice status callback, HTTP POST).
pub const VOICE_STATUS_PATH: &str = "/api/twilio/voice/status";
/// "A message comes in" (messaging webhook, HTTP POST).
pub const MESSAGING_PATH: &str = "/api/twilio/sms/inbound";

/// Why the webhook addresses shown may not work as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PublicUrlWarning {
    /// No `CALLSNARE_PUBLIC_URL`: the addresses use the listen address.
    Unset,
    /// `CALLSNARE_PUBLIC_URL` is plain http.
    NotHttps,
}

impl PublicUrlWarning {
    pub fn message(self) -> &'static str {
        match self {
            PublicUrlWarning::Unset => {
                "CALLSNARE_PUBLIC_URL is not set, so these addresses use this server's listen address, which Twilio \
                 cannot reach. Set CALLSNARE_PUBLIC_URL to the server's public https address and restart before \
                 pasting them into Twilio."
            }
            PublicUrlWarning::NotHttps => {
                "CALLSNARE_PUBLIC_URL is not https. Calls and texts would travel unencrypted, and live mode refuses \
                 to start with it: set an https address and restart before pasting these into Twilio."
            }
        }
    }
}

/// The three addresses, and a warning when they are not ready to be pasted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookUrls {
    pub voice: String,
    pub status_callback: String,
    pub messaging: String,
    pub warning: Option<PublicUrlWarning>,
}

impl WebhookUrls {
    /// The addresses under `public_base` (no trailing slash); `public_url_set` says whether
    /// it came from `CALLSNARE_PUBLIC_URL` or is the listen address.
    pub fn new(public_base: &str, public_url_set: bool) -> Self {
        let base = public_base.trim_end_matches('/');
        let warning = if !public_url_set {
            Some(PublicUrlWarning::Unset)
        } else if !base.starts_with("https://") {
            Some(PublicUrlWarning::NotHttps)
        } else {
            None
        };
        Self {
            voice: format!("{base}{VOICE_PATH}"),
            status_callback: format!("{base}{VOICE_STATUS_PATH}"),
            messaging: format!("{base}{MESSAGING_PATH}"),
            warning,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_under_the_public_url_and_when_to_warn() {
        let urls = WebhookUrls::new("https://calls.example.com/", true);
        assert_eq!(urls.voice, "https://calls.example.com/api/twilio/voice/inbound");
        assert_eq!(
            urls.status_callback,
            "https://calls.example.com/api/twilio/voice/status"
        );
        assert_eq!(urls.messaging, "https://calls.example.com/api/twilio/sms/inbound");
        assert_eq!(urls.warning, None);
        assert_eq!(
            WebhookUrls::new("http://calls.example.com", true).warning,
            Some(PublicUrlWarning::NotHttps)
        );
        assert_eq!(
            WebhookUrls::new("http://127.0.0.1:3000", false).warning,
            Some(PublicUrlWarning::Unset)
        );
    }
}
