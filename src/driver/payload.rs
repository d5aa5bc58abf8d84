//! Payload bytes, and the tagged records that make interleaving visible.

use crate::model::PlatformProfile;
use crate::scenario::{Pattern, Payload};

/// The bytes a payload stands for on this platform.
pub fn payload_bytes(p: &Payload, profile: &PlatformProfile) -> Vec<u8> {
    match p {
        Payload::Text(t) => t.as_bytes().to_vec(),
        Payload::Bytes(b) => b.clone(),
        Payload::Pattern { pattern, len } => {
            let len = profile
                .resolve(*len)
                .expect("sizes are resolved before the run") as usize;
            match pattern {
                Pattern::Seq => (0..len).map(|i| (i % 251) as u8).collect(),
                Pattern::Zero => vec![0; len],
            }
        }
    }
}

/// Record `seq` of writer `writer`: a tag byte, the sequence number in three bytes
/// (big-endian), then the tag repeated to `len` bytes. A record split by another
/// writer's bytes shows as a chunk with mixed tags.
pub fn record(writer: usize, seq: u32, len: usize) -> Vec<u8> {
    let tag = tag_of(writer);
    let mut r = vec![tag; len.max(4)];
    r[1..4].copy_from_slice(&seq.to_be_bytes()[1..]);
    r.truncate(len.max(4));
    r
}

fn tag_of(writer: usize) -> u8 {
    b'A' + (writer % 26) as u8
}

/// Check that `data` is `writers` × `count` whole records of `len` bytes, each writer's
/// in order. With `atomic` false only the total is checked: records longer than
/// PIPE_BUF may legally interleave.
pub fn check_records(
    data: &[u8],
    len: usize,
    writers: u32,
    count: u32,
    atomic: bool,
) -> Result<(), String> {
    let want = len * writers as usize * count as usize;
    if data.len() != want {
        return Err(format!("{} bytes arrived, {want} were written", data.len()));
    }
    if !atomic {
        return Ok(());
    }
    let mut next_seq: Vec<(u8, u32)> = Vec::new();
    for (i, chunk) in data.chunks(len).enumerate() {
        let tag = chunk[0];
        let seq = u32::from_be_bytes([0, chunk[1], chunk[2], chunk[3]]);
        if let Some(off) = chunk[4..].iter().position(|&b| b != tag) {
            return Err(format!(
                "record {i} (at byte {}) is broken: it starts as writer '{}' but byte {} is '{}'",
                i * len,
                tag as char,
                off + 4,
                chunk[off + 4] as char
            ));
        }
        match next_seq.iter_mut().find(|(t, _)| *t == tag) {
            Some((_, n)) if *n == seq => *n += 1,
            Some((_, n)) => {
                return Err(format!(
                    "writer '{}' record {seq} arrived where {} was due",
                    tag as char, n
                ))
            }
            None if seq == 0 => next_seq.push((tag, 1)),
            None => {
                return Err(format!(
                    "writer '{}' first record is {seq}, not 0",
                    tag as char
                ))
            }
        }
    }
    if next_seq.len() != writers as usize {
        return Err(format!(
            "records from {} writers arrived, {writers} wrote",
            next_seq.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_records_pass_and_a_split_one_fails() {
        let mut data = Vec::new();
        for seq in 0..3 {
            data.extend(record(0, seq, 16));
            data.extend(record(1, seq, 16));
        }
        assert_eq!(check_records(&data, 16, 2, 3, true), Ok(()));
        // Swap one byte between two records: an interleaving.
        data.swap(10, 20);
        assert!(check_records(&data, 16, 2, 3, true)
            .unwrap_err()
            .contains("broken"));
        assert_eq!(check_records(&data, 16, 2, 3, false), Ok(()));
    }

    #[test]
    fn lost_and_reordered_records_fail() {
        let data: Vec<u8> = [record(0, 1, 8), record(0, 0, 8)].concat();
        assert!(check_records(&data, 8, 1, 2, true).is_err());
        assert!(check_records(&data[..8], 8, 1, 2, true).is_err());
    }

    #[test]
    fn seq_pattern_repeats_every_251_bytes() {
        let p = Payload::Pattern {
            pattern: Pattern::Seq,
            len: crate::scenario::Size::Bytes(300),
        };
        let b = payload_bytes(&p, &PlatformProfile::LINUX);
        assert_eq!(b[250], 250);
        assert_eq!(b[251], 0);
    }
}
