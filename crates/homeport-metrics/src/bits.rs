//! Bit-level writer and reader for the chunk codec. Bits are written most significant first.

use crate::error::{Error, Result};

/// Appends bits to a byte vector.
#[derive(Debug, Default)]
pub(crate) struct BitWriter {
    bytes: Vec<u8>,
    /// Pending bits, left-aligned in the low `filled` bits.
    pending: u64,
    filled: u32,
}

impl BitWriter {
    pub(crate) fn with_bytes(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            pending: 0,
            filled: 0,
        }
    }

    /// Writes the low `count` bits of `value` (`count` ≤ 64).
    pub(crate) fn write(&mut self, value: u64, count: u32) {
        debug_assert!(count <= 64);
        if count == 0 {
            return;
        }
        let value = if count == 64 {
            value
        } else {
            value & ((1u64 << count) - 1)
        };
        let mut remaining = count;
        while remaining > 0 {
            let room = 8 - self.filled;
            let take = room.min(remaining);
            let shift = remaining - take;
            let part = (value >> shift) & ((1u64 << take) - 1);
            self.pending = (self.pending << take) | part;
            self.filled += take;
            remaining -= take;
            if self.filled == 8 {
                self.bytes.push(self.pending as u8);
                self.pending = 0;
                self.filled = 0;
            }
        }
    }

    pub(crate) fn write_bit(&mut self, bit: bool) {
        self.write(u64::from(bit), 1);
    }

    /// Pads the last byte with zero bits and returns the bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        if self.filled > 0 {
            let pad = 8 - self.filled;
            self.bytes.push((self.pending << pad) as u8);
        }
        self.bytes
    }
}

/// Reads bits written by [`BitWriter`].
#[derive(Debug)]
pub(crate) struct BitReader<'a> {
    bytes: &'a [u8],
    /// Position in bits from the start of `bytes`.
    position: usize,
}

impl<'a> BitReader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, position: 0 }
    }

    /// Reads `count` bits (≤ 64) as the low bits of the result.
    pub(crate) fn read(&mut self, count: u32) -> Result<u64> {
        debug_assert!(count <= 64);
        if self.position + count as usize > self.bytes.len() * 8 {
            return Err(Error::CorruptChunk(format!(
                "bit stream ends at bit {} but {count} more bits were expected",
                self.position
            )));
        }
        let mut value = 0u64;
        let mut remaining = count;
        while remaining > 0 {
            let byte = self.bytes[self.position / 8];
            let offset = (self.position % 8) as u32;
            let available = 8 - offset;
            let take = available.min(remaining);
            let part = (u64::from(byte) >> (available - take)) & ((1u64 << take) - 1);
            value = (value << take) | part;
            self.position += take as usize;
            remaining -= take;
        }
        Ok(value)
    }

    pub(crate) fn read_bit(&mut self) -> Result<bool> {
        Ok(self.read(1)? == 1)
    }

    /// Counts leading one bits, up to `max`, consuming them and the terminating zero bit
    /// when fewer than `max` ones were read.
    pub(crate) fn read_unary(&mut self, max: u32) -> Result<u32> {
        let mut ones = 0;
        while ones < max {
            if !self.read_bit()? {
                return Ok(ones);
            }
            ones += 1;
        }
        Ok(ones)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip_mixed_widths() {
        let fields: Vec<(u64, u32)> = vec![
            (1, 1),
            (0, 1),
            (0x7f, 7),
            (u64::MAX, 64),
            (0, 0),
            (5, 3),
            (0xdead_beef, 32),
            (1, 64),
        ];
        let mut writer = BitWriter::default();
        for (value, width) in &fields {
            writer.write(*value, *width);
        }
        let bytes = writer.finish();
        let mut reader = BitReader::new(&bytes);
        for (value, width) in &fields {
            assert_eq!(reader.read(*width).unwrap(), *value, "width {width}");
        }
    }

    #[test]
    fn reader_reports_end_of_stream() {
        let mut reader = BitReader::new(&[0xff]);
        assert_eq!(reader.read(8).unwrap(), 0xff);
        assert!(matches!(reader.read(1), Err(Error::CorruptChunk(_))));
    }
}
