//! SPEC §4.6: each event carries the hash of the previous one, so tampering is detectable.

use sha2::{Digest, Sha256};

/// Hash of the (non-existent) event before the first one of a case.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one stored event that the hash covers.
#[derive(Debug, Clone, Copy)]
pub struct ChainLink<'a> {
    pub number: &'a str,
    pub seq: i64,
    pub kind: &'a str,
    pub actor: &'a str,
    pub actor_role: &'a str,
    pub actor_unit: &'a str,
    /// RFC 3339 UTC instant, whole seconds (`2026-09-30T01:02:03Z`).
    pub at: &'a str,
    /// The payload as stored (compact JSON text).
    pub payload: &'a str,
    pub prev_hash: &'a str,
}

/// SHA-256 over the length-prefixed fields, hex encoded. Length prefixes make the encoding
/// unambiguous, so no two different events hash the same input.
pub fn event_hash(link: &ChainLink<'_>) -> String {
    let mut h = Sha256::new();
    let seq = link.seq.to_string();
    for part in [
        link.number,
        &seq,
        link.kind,
        link.actor,
        link.actor_role,
        link.actor_unit,
        link.at,
        link.payload,
        link.prev_hash,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link<'a>(payload: &'a str, prev: &'a str) -> ChainLink<'a> {
        ChainLink {
            number: "2021081003",
            seq: 1,
            kind: "registered",
            actor: "lisu",
            actor_role: "window",
            actor_unit: "bbcs",
            at: "2021-08-10T01:00:00Z",
            payload,
            prev_hash: prev,
        }
    }

    #[test]
    fn spec_4_6_any_change_to_an_event_changes_its_hash() {
        let a = event_hash(&link("{}", GENESIS));
        assert_eq!(a.len(), 64);
        assert_ne!(a, event_hash(&link("{\"x\":1}", GENESIS)));
        assert_ne!(a, event_hash(&link("{}", &a)));
        assert_eq!(a, event_hash(&link("{}", GENESIS)));
    }
}
