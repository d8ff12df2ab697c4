//! The chunk format: timestamps as delta-of-delta and each value column either as Gorilla XOR
//! floats or, when every value in the column is a short decimal, as delta-coded integers.
//!
//! Layout (format version 1):
//!
//! ```text
//! byte     format version (1)
//! byte     number of value columns
//! varint   sample count (LEB128)
//! bits     first timestamp (64 bits, two's complement), then one delta-of-delta code per
//!          later timestamp
//! bits     each column: a 2-bit tag, then its values (see `encode_column`)
//! ```
//!
//! Timestamps are milliseconds. Delta-of-delta codes: `0` (same step as before), `10` + 8-bit,
//! `110` + 13-bit, `1110` + 20-bit, `11110` + 32-bit or `11111` + 64-bit zigzag integer.
//!
//! XOR columns follow the Gorilla paper (Pelkonen et al., VLDB 2015). The first value takes
//! 64 bits. Each later one is `0` when repeated, `10` + the meaningful bits when they fit the
//! previous window of leading and trailing zeros, or else `11` + 6-bit leading zeros + 6-bit
//! length − 1 + the meaningful bits. Any f64 round-trips bit for bit, NaN payloads included.
//!
//! Decimal columns store `value × 10^scale` as integers when that round-trips bit for bit for
//! every value (scale 0 to 6, magnitude at most 2^53). The header contains the scale and the
//! delta order (1: differences, 2: differences of differences, whichever is smaller), and
//! each difference is a zigzag integer after a unary width class (see `DECIMAL_WIDTHS`).
//! Gauges rounded to a display precision (CPU % to 0.01) and integer counters take this path
//! and need about a third of the bits of XOR.

use crate::bits::{BitReader, BitWriter};
use crate::error::{Error, Result};

const FORMAT_VERSION: u8 = 1;

const TAG_XOR: u64 = 0;
const TAG_DECIMAL: u64 = 1;

/// Largest decimal scale tried: values with more fractional digits use XOR.
pub(crate) const MAX_SCALE: u32 = 6;
/// Largest integer magnitude that an f64 represents exactly (2^53).
const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// Delta-of-delta timestamp classes after the `0` code: payload width per unary prefix.
const TIMESTAMP_WIDTHS: [u32; 5] = [8, 13, 20, 32, 64];
/// Decimal delta classes after the `0` code: payload width per unary prefix.
const DECIMAL_WIDTHS: [u32; 6] = [4, 8, 12, 20, 32, 64];

/// Encodes one chunk: strictly increasing `timestamps` and value `columns` of the same length.
pub(crate) fn encode_chunk(timestamps: &[i64], columns: &[&[f64]]) -> Result<Vec<u8>> {
    if columns.len() > usize::from(u8::MAX) {
        return Err(Error::InvalidArgument(format!(
            "{} columns given, but a chunk has at most 255",
            columns.len()
        )));
    }
    if let Some(column) = columns.iter().find(|column| column.len() != timestamps.len()) {
        return Err(Error::InvalidArgument(format!(
            "a column has {} values for {} timestamps",
            column.len(),
            timestamps.len()
        )));
    }
    if let Some(pair) = timestamps.windows(2).find(|pair| pair[1] <= pair[0]) {
        return Err(Error::OutOfOrder {
            series: "(chunk)".into(),
            last_ms: pair[0],
            timestamp_ms: pair[1],
        });
    }
    let count = u32::try_from(timestamps.len())
        .map_err(|_| Error::InvalidArgument(format!("{} samples in one chunk", timestamps.len())))?;

    let mut header = vec![FORMAT_VERSION, columns.len() as u8];
    write_varint(&mut header, u64::from(count));
    let mut writer = BitWriter::with_bytes(header);
    encode_timestamps(&mut writer, timestamps);
    for column in columns {
        encode_column(&mut writer, column);
    }
    Ok(writer.finish())
}

/// Decodes a chunk written by [`encode_chunk`] into its timestamps and value columns.
pub(crate) fn decode_chunk(bytes: &[u8]) -> Result<(Vec<i64>, Vec<Vec<f64>>)> {
    let (&version, rest) = bytes
        .split_first()
        .ok_or_else(|| Error::CorruptChunk("empty chunk".into()))?;
    if version != FORMAT_VERSION {
        return Err(Error::CorruptChunk(format!("unknown chunk format version {version}")));
    }
    let (&column_count, rest) = rest
        .split_first()
        .ok_or_else(|| Error::CorruptChunk("chunk ends before its column count".into()))?;
    let (count, used) = read_varint(rest)?;
    let count = usize::try_from(count)
        .ok()
        .filter(|count| *count <= u32::MAX as usize)
        .ok_or_else(|| Error::CorruptChunk(format!("sample count {count} out of range")))?;
    // Every sample takes at least one bit per stream, so a larger count is damage, and
    // checking it first keeps a damaged header from allocating gigabytes.
    let payload = &rest[used..];
    if count > 0 && count.saturating_sub(1) > payload.len() * 8 {
        return Err(Error::CorruptChunk(format!(
            "sample count {count} exceeds the chunk's {} bytes",
            payload.len()
        )));
    }

    let mut reader = BitReader::new(payload);
    let timestamps = decode_timestamps(&mut reader, count)?;
    let mut columns = Vec::with_capacity(usize::from(column_count));
    for _ in 0..column_count {
        columns.push(decode_column(&mut reader, count)?);
    }
    Ok((timestamps, columns))
}

fn encode_timestamps(writer: &mut BitWriter, timestamps: &[i64]) {
    let Some((&first, rest)) = timestamps.split_first() else {
        return;
    };
    writer.write(first as u64, 64);
    let mut previous = first;
    let mut previous_delta = 0i64;
    for &timestamp in rest {
        let delta = timestamp.wrapping_sub(previous);
        write_classed(writer, zigzag(delta.wrapping_sub(previous_delta)), &TIMESTAMP_WIDTHS);
        previous = timestamp;
        previous_delta = delta;
    }
}

fn decode_timestamps(reader: &mut BitReader<'_>, count: usize) -> Result<Vec<i64>> {
    let mut timestamps = Vec::with_capacity(count);
    if count == 0 {
        return Ok(timestamps);
    }
    let mut previous = reader.read(64)? as i64;
    timestamps.push(previous);
    let mut previous_delta = 0i64;
    for _ in 1..count {
        let delta = previous_delta.wrapping_add(unzigzag(read_classed(reader, &TIMESTAMP_WIDTHS)?));
        if delta <= 0 {
            return Err(Error::CorruptChunk(format!(
                "timestamp step {delta} ms is not positive"
            )));
        }
        previous = previous.wrapping_add(delta);
        previous_delta = delta;
        timestamps.push(previous);
    }
    Ok(timestamps)
}

fn encode_column(writer: &mut BitWriter, values: &[f64]) {
    match decimal_scale(values) {
        Some(scale) => {
            writer.write(TAG_DECIMAL, 2);
            encode_decimal(writer, values, scale);
        }
        None => {
            writer.write(TAG_XOR, 2);
            encode_xor(writer, values);
        }
    }
}

fn decode_column(reader: &mut BitReader<'_>, count: usize) -> Result<Vec<f64>> {
    match reader.read(2)? {
        TAG_XOR => decode_xor(reader, count),
        TAG_DECIMAL => decode_decimal(reader, count),
        tag => Err(Error::CorruptChunk(format!("unknown column encoding {tag}"))),
    }
}

fn encode_xor(writer: &mut BitWriter, values: &[f64]) {
    let Some((&first, rest)) = values.split_first() else {
        return;
    };
    let mut previous = first.to_bits();
    writer.write(previous, 64);
    // Window of the last explicitly written meaningful bits; 64 leading zeros marks "none yet".
    let mut window_leading = 64u32;
    let mut window_trailing = 0u32;
    for value in rest {
        let bits = value.to_bits();
        let xor = bits ^ previous;
        previous = bits;
        if xor == 0 {
            writer.write_bit(false);
            continue;
        }
        writer.write_bit(true);
        let leading = xor.leading_zeros();
        let trailing = xor.trailing_zeros();
        if window_leading < 64 && leading >= window_leading && trailing >= window_trailing {
            writer.write_bit(false);
            let length = 64 - window_leading - window_trailing;
            writer.write(xor >> window_trailing, length);
        } else {
            writer.write_bit(true);
            let length = 64 - leading - trailing;
            writer.write(u64::from(leading), 6);
            writer.write(u64::from(length - 1), 6);
            writer.write(xor >> trailing, length);
            window_leading = leading;
            window_trailing = trailing;
        }
    }
}

fn decode_xor(reader: &mut BitReader<'_>, count: usize) -> Result<Vec<f64>> {
    let mut values = Vec::with_capacity(count);
    if count == 0 {
        return Ok(values);
    }
    let mut previous = reader.read(64)?;
    values.push(f64::from_bits(previous));
    let mut window_leading = 64u32;
    let mut window_trailing = 0u32;
    for _ in 1..count {
        if reader.read_bit()? {
            if reader.read_bit()? {
                window_leading = reader.read(6)? as u32;
                let length = reader.read(6)? as u32 + 1;
                if window_leading + length > 64 {
                    return Err(Error::CorruptChunk(format!(
                        "XOR window of {length} bits after {window_leading} leading zeros"
                    )));
                }
                window_trailing = 64 - window_leading - length;
            } else if window_leading == 64 {
                return Err(Error::CorruptChunk(
                    "XOR value reuses a window before any was set".into(),
                ));
            }
            let length = 64 - window_leading - window_trailing;
            previous ^= reader.read(length)? << window_trailing;
        }
        values.push(f64::from_bits(previous));
    }
    Ok(values)
}

/// Returns the smallest scale at which every value is an exact decimal integer, if any.
fn decimal_scale(values: &[f64]) -> Option<u32> {
    let mut scale = 0;
    for &value in values {
        while to_scaled(value, scale).is_none() {
            scale += 1;
            if scale > MAX_SCALE {
                return None;
            }
        }
    }
    // A value exact at a smaller scale is almost always exact at a larger one, but the
    // decoder must get every bit back, so check again at the final scale.
    values
        .iter()
        .all(|&value| to_scaled(value, scale).is_some())
        .then_some(scale)
}

/// Returns `value × 10^scale` as an integer when dividing it back gives `value` bit for bit.
fn to_scaled(value: f64, scale: u32) -> Option<i64> {
    let factor = 10f64.powi(scale as i32);
    let scaled = (value * factor).round();
    if !scaled.is_finite() || scaled.abs() > MAX_EXACT_INTEGER {
        return None;
    }
    let integer = scaled as i64;
    (from_scaled(integer, scale).to_bits() == value.to_bits()).then_some(integer)
}

/// Returns `value` as an integer at the smallest exact scale, with that scale.
pub(crate) fn smallest_scale(value: f64) -> Option<(i64, u32)> {
    (0..=MAX_SCALE).find_map(|scale| to_scaled(value, scale).map(|integer| (integer, scale)))
}

fn from_scaled(integer: i64, scale: u32) -> f64 {
    integer as f64 / 10f64.powi(scale as i32)
}

fn encode_decimal(writer: &mut BitWriter, values: &[f64], scale: u32) {
    let integers: Vec<i64> = values
        .iter()
        .map(|&value| to_scaled(value, scale).unwrap_or_default())
        .collect();
    let first_order = differences(&integers, 1);
    let second_order = differences(&integers, 2);
    let (order, codes) = if classed_bits(&second_order) < classed_bits(&first_order) {
        (2u64, second_order)
    } else {
        (1u64, first_order)
    };
    writer.write(u64::from(scale), 3);
    writer.write(order, 2);
    if let Some(&first) = integers.first() {
        writer.write(first as u64, 64);
    }
    for code in codes {
        write_classed(writer, code, &DECIMAL_WIDTHS);
    }
}

fn decode_decimal(reader: &mut BitReader<'_>, count: usize) -> Result<Vec<f64>> {
    let scale = reader.read(3)? as u32;
    let order = reader.read(2)?;
    if scale > MAX_SCALE || !(1..=2).contains(&order) {
        return Err(Error::CorruptChunk(format!(
            "decimal column with scale {scale} and order {order}"
        )));
    }
    let mut values = Vec::with_capacity(count);
    if count == 0 {
        return Ok(values);
    }
    let mut previous = reader.read(64)? as i64;
    values.push(from_scaled(previous, scale));
    let mut previous_delta = 0i64;
    for _ in 1..count {
        let code = unzigzag(read_classed(reader, &DECIMAL_WIDTHS)?);
        let delta = if order == 2 {
            previous_delta.wrapping_add(code)
        } else {
            code
        };
        previous = previous.wrapping_add(delta);
        previous_delta = delta;
        values.push(from_scaled(previous, scale));
    }
    Ok(values)
}

/// Returns the zigzag codes of the first (`order` 1) or second (`order` 2) differences,
/// one per value after the first.
fn differences(integers: &[i64], order: u32) -> Vec<u64> {
    let mut codes = Vec::with_capacity(integers.len().saturating_sub(1));
    let mut previous_delta = 0i64;
    for pair in integers.windows(2) {
        let delta = pair[1].wrapping_sub(pair[0]);
        let code = if order == 2 {
            delta.wrapping_sub(previous_delta)
        } else {
            delta
        };
        previous_delta = delta;
        codes.push(zigzag(code));
    }
    codes
}

fn classed_bits(codes: &[u64]) -> u64 {
    codes
        .iter()
        .map(|&code| u64::from(classed_width(code, &DECIMAL_WIDTHS)))
        .sum()
}

/// Returns the bits `write_classed` uses for `code`.
fn classed_width(code: u64, widths: &[u32]) -> u32 {
    if code == 0 {
        return 1;
    }
    for (index, &width) in widths.iter().enumerate() {
        if width == 64 || code < (1u64 << width) {
            let prefix = if index + 1 == widths.len() {
                index as u32 + 1
            } else {
                index as u32 + 2
            };
            return prefix + width;
        }
    }
    unreachable!("the last width class is 64 bits")
}

/// Writes `code` as `0` when zero, else as a unary class prefix and the class's payload.
/// The last class has no terminating zero bit.
fn write_classed(writer: &mut BitWriter, code: u64, widths: &[u32]) {
    if code == 0 {
        writer.write_bit(false);
        return;
    }
    for (index, &width) in widths.iter().enumerate() {
        if width == 64 || code < (1u64 << width) {
            let ones = index as u32 + 1;
            writer.write(u64::MAX, ones);
            if index + 1 < widths.len() {
                writer.write_bit(false);
            }
            writer.write(code, width);
            return;
        }
    }
}

fn read_classed(reader: &mut BitReader<'_>, widths: &[u32]) -> Result<u64> {
    let ones = reader.read_unary(widths.len() as u32)?;
    if ones == 0 {
        return Ok(0);
    }
    reader.read(widths[ones as usize - 1])
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn unzigzag(code: u64) -> i64 {
    ((code >> 1) as i64) ^ -((code & 1) as i64)
}

fn write_varint(bytes: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        bytes.push((value as u8) | 0x80);
        value >>= 7;
    }
    bytes.push(value as u8);
}

fn read_varint(bytes: &[u8]) -> Result<(u64, usize)> {
    let mut value = 0u64;
    for (index, &byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            return Ok((value, index + 1));
        }
    }
    Err(Error::CorruptChunk("unterminated sample count".into()))
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
