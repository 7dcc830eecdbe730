//! How long a text is as the carriers bill it: characters, SMS segments and the encoding.
//! A text that uses only the GSM-7 alphabet (basic table, plus the extension table whose
//! characters take two septets) fits 160 septets in one SMS, 153 per segment when split;
//! any other character makes the whole text UCS-2: 70 UTF-16 units in one SMS, 67 per
//! segment. An escape pair or a surrogate pair is never split between segments.
//! `public/sms-preview.js` counts the same way in the browser.

use serde::{Deserialize, Serialize};

/// GSM 03.38 basic character set (the escape character itself is not offered).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// GSM 03.38 extension table: each is sent as an escape plus the character (two septets).
const GSM7_EXTENSION: &str = "\u{0c}^{}\\[~]|€";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SmsEncoding {
    Gsm7,
    Ucs2,
}

impl SmsEncoding {
    pub fn label(self) -> &'static str {
        match self {
            SmsEncoding::Gsm7 => "GSM-7",
            SmsEncoding::Ucs2 => "UCS-2",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsCount {
    /// Characters as people count them.
    pub chars: usize,
    /// What the segment limits count: septets (GSM-7) or UTF-16 units (UCS-2).
    pub units: usize,
    pub segments: usize,
    pub encoding: SmsEncoding,
}

fn gsm7_septets(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Characters, segments and encoding of `text` sent as one SMS message.
pub fn sms_segments(text: &str) -> SmsCount {
    let chars = text.chars().count();
    let gsm: Option<Vec<usize>> = text.chars().map(gsm7_septets).collect();
    let (widths, encoding, single, part) = match gsm {
        Some(widths) => (widths, SmsEncoding::Gsm7, 160, 153),
        None => (text.chars().map(char::len_utf16).collect(), SmsEncoding::Ucs2, 70, 67),
    };
    let units: usize = widths.iter().sum();
    SmsCount {
        chars,
        units,
        segments: segments(&widths, units, single, part),
        encoding,
    }
}

/// Segments for characters of the given widths: one when the whole fits `single`, else
/// as many `part`-sized segments as it takes, a character never split between two.
fn segments(widths: &[usize], total: usize, single: usize, part: usize) -> usize {
    if total == 0 {
        return 0;
    }
    if total <= single {
        return 1;
    }
    let mut count = 1;
    let mut used = 0;
    for &w in widths {
        if used + w > part {
            count += 1;
            used = 0;
        }
        used += w;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str) -> (usize, usize, SmsEncoding) {
        let c = sms_segments(text);
        (c.chars, c.segments, c.encoding)
    }

    #[test]
    fn gsm7_texts_fit_160_then_153_per_segment() {
        assert_eq!(seg(""), (0, 0, SmsEncoding::Gsm7));
        assert_eq!(seg(&"a".repeat(160)), (160, 1, SmsEncoding::Gsm7));
        assert_eq!(seg(&"a".repeat(161)), (161, 2, SmsEncoding::Gsm7));
        assert_eq!(seg(&"a".repeat(306)), (306, 2, SmsEncoding::Gsm7));
        assert_eq!(seg(&"a".repeat(307)), (307, 3, SmsEncoding::Gsm7));
        // accented letters of the basic table stay GSM-7
        assert_eq!(seg("Café à Zürich, ¿Qué?").2, SmsEncoding::Gsm7);
        assert_eq!(seg("line one\r\nline two").2, SmsEncoding::Gsm7);
    }

    #[test]
    fn the_extension_table_takes_two_septets_and_is_never_split() {
        let c = sms_segments(&"€".repeat(80));
        assert_eq!(
            (c.chars, c.units, c.segments, c.encoding),
            (80, 160, 1, SmsEncoding::Gsm7)
        );
        // 81 × 2 = 162 septets: 76 pairs (152) fit a 153-septet segment, 5 go in the next
        assert_eq!(sms_segments(&"€".repeat(81)).segments, 2);
        let c = sms_segments(&format!("{}[", "a".repeat(158)));
        assert_eq!((c.units, c.segments), (160, 1));
        let c = sms_segments(&format!("{}[", "a".repeat(159)));
        assert_eq!((c.units, c.segments), (161, 2));
        // 152 + an escape pair: the pair moves whole to the second segment
        let c = sms_segments(&format!("{}{{{}", "a".repeat(152), "a".repeat(152)));
        assert_eq!((c.units, c.segments), (306, 3));
    }

    #[test]
    fn any_other_character_makes_it_ucs2_with_70_then_67() {
        assert_eq!(seg(&"ê".repeat(70)), (70, 1, SmsEncoding::Ucs2));
        assert_eq!(seg(&"ê".repeat(71)), (71, 2, SmsEncoding::Ucs2));
        assert_eq!(seg(&"ê".repeat(134)), (134, 2, SmsEncoding::Ucs2));
        assert_eq!(seg(&"ê".repeat(135)), (135, 3, SmsEncoding::Ucs2));
        // one curly apostrophe turns a whole GSM text into UCS-2
        assert_eq!(seg(&format!("We’re {}", "a".repeat(100))), (106, 2, SmsEncoding::Ucs2));
    }

    #[test]
    fn emoji_count_two_utf16_units_and_are_never_split() {
        let c = sms_segments(&"😀".repeat(35));
        assert_eq!((c.chars, c.units, c.segments), (35, 70, 1));
        // 36 × 2 = 72 units: 33 per 67-unit segment (66), 3 in the next
        assert_eq!(sms_segments(&"😀".repeat(36)).segments, 2);
        assert_eq!(sms_segments(&"😀".repeat(67)).segments, 3);
    }

    #[test]
    fn the_default_text_back_is_one_segment() {
        let text = "Hi, this is Acme Heating & Air. Sorry we missed your call! How can we help? Reply here and we'll get right back to you. Reply STOP to opt out.";
        let c = sms_segments(text);
        assert_eq!(c.encoding, SmsEncoding::Gsm7);
        assert_eq!(c.segments, 1, "{} septets", c.units);
    }
}
