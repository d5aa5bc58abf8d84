//! Payload bytes, and the tagged records that make interleaving visible.

use crate::platform::PlatformProfile;
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

/// Record `seq` of writer `writer`, `len` bytes, in the form `records_may_split` says.
///
/// A record of at most PIPE_BUF bytes is a tag byte, the sequence number in
/// three bytes (big-endian), then the tag repeated: a record split by another writer's
/// bytes shows as a chunk with mixed tags. A longer record may legally be split, so
/// every byte of it names its writer instead, in the high four bits, and its place in
/// the writer's whole output, modulo 16, in the low four: each writer's bytes can be
/// picked out of any interleaving and checked for order, loss and duplication.
pub fn record(writer: usize, seq: u32, len: usize, may_split: bool) -> Vec<u8> {
    if may_split {
        let start = seq as usize * len;
        return (start..start + len)
            .map(|k| stream_byte(writer, k))
            .collect();
    }
    let tag = tag_of(writer);
    let mut r = vec![tag; len.max(4)];
    r[1..4].copy_from_slice(&seq.to_be_bytes()[1..]);
    r.truncate(len.max(4));
    r
}

/// Byte `k` of writer `writer`'s output of records that may be split: writers are told
/// apart by their process index modulo 16.
fn stream_byte(writer: usize, k: usize) -> u8 {
    (((writer % 16) << 4) | (k % 16)) as u8
}

/// Whether records of `len` bytes may be split by other writers' bytes on a platform
/// with this PIPE_BUF, and so are written with every byte naming its writer.
pub fn records_may_split(len: usize, pipe_buf: u64) -> bool {
    len as u64 > pipe_buf
}

fn tag_of(writer: usize) -> u8 {
    b'A' + (writer % 26) as u8
}

/// Check that `data` is `writers` × `count` records of `len` bytes, each writer's in
/// order. Records that may be split (longer than `pipe_buf`) are checked as each
/// writer's bytes, picked out, in order with none lost or repeated; shorter ones are
/// checked whole and in order when `atomic`, on their total otherwise.
pub fn check_records(
    data: &[u8],
    len: usize,
    writers: u32,
    count: u32,
    atomic: bool,
    pipe_buf: u64,
) -> Result<(), String> {
    let want = len * writers as usize * count as usize;
    if data.len() != want {
        return Err(format!("{} bytes arrived, {want} were written", data.len()));
    }
    if records_may_split(len, pipe_buf) {
        if atomic {
            return Err(format!(
                "records of {len} bytes are longer than PIPE_BUF ({pipe_buf}): nothing keeps them whole"
            ));
        }
        return check_streams(data, len * count as usize, writers);
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

/// Each writer's bytes of records that may be split, picked out of `data` by the writer
/// they name: `per_writer` of them, each in its place in that writer's output.
fn check_streams(data: &[u8], per_writer: usize, writers: u32) -> Result<(), String> {
    // For each writer seen: how many of its bytes came so far.
    let mut seen: Vec<(usize, usize)> = Vec::new();
    for (i, &b) in data.iter().enumerate() {
        let writer = usize::from(b >> 4);
        let k = match seen.iter_mut().find(|(w, _)| *w == writer) {
            Some((_, k)) => k,
            None => {
                seen.push((writer, 0));
                &mut seen.last_mut().expect("just pushed").1
            }
        };
        if b != stream_byte(writer, *k) {
            return Err(format!(
                "byte {i} is writer {writer}'s byte {} (mod 16) where its byte {} was due: \
                 its bytes were lost, repeated or reordered",
                b & 15,
                *k
            ));
        }
        *k += 1;
    }
    if seen.len() != writers as usize {
        return Err(format!(
            "bytes from {} writers arrived, {writers} wrote",
            seen.len()
        ));
    }
    match seen.iter().find(|(_, n)| *n != per_writer) {
        Some((writer, n)) => Err(format!(
            "writer {writer}: {n} bytes arrived, {per_writer} were written"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_records_pass_and_a_split_one_fails() {
        let mut data = Vec::new();
        for seq in 0..3 {
            data.extend(record(0, seq, 16, false));
            data.extend(record(1, seq, 16, false));
        }
        assert_eq!(check_records(&data, 16, 2, 3, true, 512), Ok(()));
        // Swap one byte between two records: an interleaving.
        data.swap(10, 20);
        assert!(check_records(&data, 16, 2, 3, true, 512)
            .unwrap_err()
            .contains("broken"));
    }

    #[test]
    fn split_records_pass_while_each_writers_bytes_keep_their_order() {
        let (a, b): (Vec<u8>, Vec<u8>) = (
            (0..2).flat_map(|seq| record(1, seq, 40, true)).collect(),
            (0..2).flat_map(|seq| record(2, seq, 40, true)).collect(),
        );
        // Interleaved in uneven chunks, as a pipe may split writes over PIPE_BUF.
        let data: Vec<u8> = [&a[..7], &b[..50], &a[7..], &b[50..]].concat();
        assert_eq!(check_records(&data, 40, 2, 2, false, 32), Ok(()));
        let mut swapped = data.clone();
        swapped.swap(3, 4);
        assert!(check_records(&swapped, 40, 2, 2, false, 32)
            .unwrap_err()
            .contains("reordered"));
        let mut repeated = data.clone();
        repeated[5] = repeated[4];
        assert!(check_records(&repeated, 40, 2, 2, false, 32).is_err());
        let one_writer: Vec<u8> = [a.clone(), a].concat();
        assert!(check_records(&one_writer, 40, 2, 2, false, 32).is_err());
    }

    #[test]
    fn lost_and_reordered_records_fail() {
        let data: Vec<u8> = [record(0, 1, 8, false), record(0, 0, 8, false)].concat();
        assert!(check_records(&data, 8, 1, 2, true, 512).is_err());
        assert!(check_records(&data[..8], 8, 1, 2, true, 512).is_err());
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
