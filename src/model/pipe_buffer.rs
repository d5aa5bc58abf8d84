//! The bytes in a pipe as Linux holds them: page-sized buffers in a ring of a fixed
//! number of slots, so that room comes back only when a whole buffer has been read, and
//! a write first fills the tail of the last buffer if its odd part fits there. A
//! profile that counts room in bytes has pages of one byte.

use std::collections::VecDeque;

/// One buffer: where its bytes start in the page, and how many there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Buffer {
    offset: usize,
    len: usize,
}

/// The bytes of one pipe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PipeBuffer {
    data: VecDeque<u8>,
    buffers: VecDeque<Buffer>,
    page: usize,
    slots: usize,
}

impl PipeBuffer {
    /// An empty pipe of `capacity` bytes in pages of `page` bytes.
    pub(super) fn new(capacity: u64, page: u64) -> Self {
        let page = page.max(1) as usize;
        PipeBuffer {
            data: VecDeque::new(),
            buffers: VecDeque::new(),
            page,
            slots: capacity as usize / page,
        }
    }

    /// How many bytes wait.
    pub(super) fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether no byte waits.
    pub(super) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Drop every byte (the pipe is freed).
    pub(super) fn clear(&mut self) {
        self.data.clear();
        self.buffers.clear();
    }

    /// Buffers free for a write.
    pub(super) fn free_slots(&self) -> usize {
        self.slots - self.buffers.len()
    }

    /// Bytes read from the front; a buffer read to its end is free again.
    pub(super) fn take(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.data.len());
        let mut left = n;
        while left > 0 {
            let front = self.buffers.front_mut().expect("bytes are in buffers");
            let k = left.min(front.len);
            front.offset += k;
            front.len -= k;
            left -= k;
            if front.len == 0 {
                self.buffers.pop_front();
            }
        }
        self.data.drain(..n).collect()
    }

    /// Put what fits of `bytes` as the kernel would, returning how many went in: first
    /// the odd part (`len % page`) into the last buffer's tail when `merge` and it fits
    /// there whole, then page-sized pieces into free buffers.
    pub(super) fn put(&mut self, bytes: &[u8], merge: bool) -> usize {
        let mut done = 0;
        if merge && self.merges(bytes.len()) {
            let odd = bytes.len() % self.page;
            let last = self.buffers.back_mut().expect("merges into a buffer");
            last.len += odd;
            done = odd;
        }
        while done < bytes.len() && self.free_slots() > 0 {
            let k = (bytes.len() - done).min(self.page);
            self.buffers.push_back(Buffer { offset: 0, len: k });
            done += k;
        }
        self.data.extend(&bytes[..done]);
        done
    }

    /// Whether `put` with `merge` would put the odd part of `len` bytes into the last
    /// buffer's tail.
    pub(super) fn merges(&self, len: usize) -> bool {
        let odd = len % self.page;
        self.buffers
            .back()
            .is_some_and(|last| odd > 0 && last.offset + last.len + odd <= self.page)
    }

    /// Whether `put` would take all of `len` bytes.
    pub(super) fn fits(&self, len: usize) -> bool {
        let mut probe = self.clone();
        probe.put(&vec![0; len], true) == len
    }
}
