use super::*;

fn round_trip(timestamps: &[i64], values: &[f64]) -> (Vec<i64>, Vec<f64>) {
    let bytes = encode_chunk(timestamps, &[values]).unwrap();
    let (decoded_timestamps, mut columns) = decode_chunk(&bytes).unwrap();
    assert_eq!(columns.len(), 1);
    (decoded_timestamps, columns.remove(0))
}

fn assert_bits_equal(expected: &[f64], actual: &[f64]) {
    assert_eq!(expected.len(), actual.len());
    for (index, (left, right)) in expected.iter().zip(actual).enumerate() {
        assert_eq!(left.to_bits(), right.to_bits(), "value {index}: {left} != {right}");
    }
}

#[test]
fn special_floats_round_trip_bit_exact() {
    let values = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        0.0,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::from_bits(0x7ff8_dead_beef_0001),
        5e-324,
        1.0,
    ];
    let timestamps: Vec<i64> = (0..values.len() as i64)
        .map(|i| 1_700_000_000_000 + i * 15_000)
        .collect();
    let (decoded_timestamps, decoded) = round_trip(&timestamps, &values);
    assert_eq!(decoded_timestamps, timestamps);
    assert_bits_equal(&values, &decoded);
}

#[test]
fn identical_values_take_one_bit_each() {
    let timestamps: Vec<i64> = (0..1000).map(|i| i * 15_000).collect();
    let values = vec![42.5; 1000];
    let bytes = encode_chunk(&timestamps, &[&values]).unwrap();
    // 999 repeated timestamps steps and values cost 1 bit each, plus headers and one
    // first-order step code.
    assert!(bytes.len() < 280, "{} bytes", bytes.len());
    let (_, decoded) = round_trip(&timestamps, &values);
    assert_bits_equal(&values, &decoded);
}

#[test]
fn irregular_timestamps_round_trip() {
    let timestamps = [
        i64::MIN + 1,
        -5_000_000_000_000,
        -1,
        0,
        1,
        2,
        15_000,
        15_001,
        1_000_000_000_000,
        1_000_000_000_003,
        i64::MAX,
    ];
    let values: Vec<f64> = (0..timestamps.len()).map(|i| i as f64 * 1.1).collect();
    let (decoded_timestamps, decoded) = round_trip(&timestamps, &values);
    assert_eq!(decoded_timestamps, timestamps);
    assert_bits_equal(&values, &decoded);
}

#[test]
fn out_of_order_timestamps_rejected() {
    let err = encode_chunk(&[1_000, 2_000, 2_000], &[&[1.0, 2.0, 3.0]]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::OutOfOrder {
                last_ms: 2_000,
                timestamp_ms: 2_000,
                ..
            }
        ),
        "{err}"
    );
    let err = encode_chunk(&[5_000, 4_000], &[&[1.0, 2.0]]).unwrap_err();
    assert!(err.to_string().contains("increasing time order"), "{err}");
}

#[test]
fn column_length_mismatch_rejected() {
    let err = encode_chunk(&[1, 2], &[&[1.0]]).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
}

#[test]
fn empty_and_single_sample_chunks() {
    let (timestamps, values) = round_trip(&[], &[]);
    assert!(timestamps.is_empty());
    assert!(values.is_empty());
    let (timestamps, values) = round_trip(&[7], &[f64::NAN]);
    assert_eq!(timestamps, [7]);
    assert!(values[0].is_nan());
}

#[test]
fn decimal_values_use_decimal_path() {
    let timestamps: Vec<i64> = (0..4).map(|i| i * 15_000).collect();
    assert_eq!(decimal_scale(&[23.47, 1.0, 0.5, -3.25]), Some(2));
    assert_eq!(decimal_scale(&[1.0, 2.0, 1e15]), Some(0));
    assert_eq!(decimal_scale(&[1.0, f64::NAN]), None);
    assert_eq!(decimal_scale(&[1.0 / 3.0]), None);
    // -0.0 has no exact integer form, so it takes the XOR path and keeps its sign.
    assert_eq!(decimal_scale(&[-0.0]), None);
    let (_, decoded) = round_trip(&timestamps, &[23.47, 1.0, 0.5, -3.25]);
    assert_bits_equal(&[23.47, 1.0, 0.5, -3.25], &decoded);
}

#[test]
fn decimal_beats_xor_on_rounded_gauge() {
    let timestamps: Vec<i64> = (0..480).map(|i| i * 15_000).collect();
    let mut rng = Lcg(11);
    let mut value = 40.0f64;
    let values: Vec<f64> = (0..480)
        .map(|_| {
            value = (value + rng.next_f64() * 4.0 - 2.0).clamp(0.0, 100.0);
            (value * 100.0).round() / 100.0
        })
        .collect();
    let decimal = encode_chunk(&timestamps, &[&values]).unwrap();
    let mut writer = BitWriter::default();
    encode_xor(&mut writer, &values);
    let xor = writer.finish();
    assert!(
        decimal.len() * 2 < xor.len(),
        "decimal {} bytes, XOR {} bytes",
        decimal.len(),
        xor.len()
    );
    let (_, decoded) = round_trip(&timestamps, &values);
    assert_bits_equal(&values, &decoded);
}

#[test]
fn counters_choose_second_order() {
    let integers: Vec<i64> = (0..100).map(|i| 1_000_000 + i * 4096).collect();
    assert!(classed_bits(&differences(&integers, 2)) < classed_bits(&differences(&integers, 1)));
}

#[test]
fn multi_column_round_trip() {
    let timestamps = [60_000, 120_000, 240_000];
    let minimum = [1.0, 2.5, f64::NAN];
    let maximum = [3.0, 1.0 / 7.0, 9.0];
    let bytes = encode_chunk(&timestamps, &[&minimum, &maximum]).unwrap();
    let (decoded_timestamps, columns) = decode_chunk(&bytes).unwrap();
    assert_eq!(decoded_timestamps, timestamps);
    assert_bits_equal(&minimum, &columns[0]);
    assert_bits_equal(&maximum, &columns[1]);
}

#[test]
fn damaged_chunks_rejected() {
    let timestamps: Vec<i64> = (0..50).map(|i| i * 1000).collect();
    let values: Vec<f64> = (0..50).map(|i| (i as f64).sin()).collect();
    let bytes = encode_chunk(&timestamps, &[&values]).unwrap();
    assert!(matches!(decode_chunk(&[]), Err(Error::CorruptChunk(_))));
    assert!(matches!(decode_chunk(&[9, 1, 0]), Err(Error::CorruptChunk(_))));
    assert!(matches!(
        decode_chunk(&bytes[..bytes.len() / 2]),
        Err(Error::CorruptChunk(_))
    ));
    let mut huge_count = bytes.clone();
    huge_count.splice(2..3, [0xff, 0xff, 0xff, 0x0f]);
    assert!(matches!(decode_chunk(&huge_count), Err(Error::CorruptChunk(_))));
}

#[test]
fn random_series_round_trip() {
    let mut rng = Lcg(2024);
    for case in 0..300 {
        let length = (rng.next_u64() % 600) as usize;
        let mut timestamp = (rng.next_u64() % 2_000_000_000_000) as i64 - 1_000_000_000_000;
        let mut timestamps = Vec::with_capacity(length);
        let mut values = Vec::with_capacity(length);
        let style = case % 5;
        let mut level = rng.next_f64() * 1000.0;
        for _ in 0..length {
            timestamp += match rng.next_u64() % 4 {
                0 => 15_000,
                1 => 1 + (rng.next_u64() % 100_000) as i64,
                2 => 15_000 + (rng.next_u64() % 50) as i64,
                _ => 1 + (rng.next_u64() % 10_000_000_000) as i64,
            };
            timestamps.push(timestamp);
            level += rng.next_f64() * 10.0 - 5.0;
            values.push(match style {
                0 => level,
                1 => (level * 100.0).round() / 100.0,
                2 => level.round() * 4096.0,
                3 => f64::from_bits(rng.next_u64()),
                _ => [0.0, f64::NAN, f64::INFINITY, level][(rng.next_u64() % 4) as usize],
            });
        }
        let (decoded_timestamps, decoded) = round_trip(&timestamps, &values);
        assert_eq!(decoded_timestamps, timestamps, "case {case}");
        assert_bits_equal(&values, &decoded);
    }
}

/// Small deterministic generator, so the tests need no random-number crate.
pub(crate) struct Lcg(pub u64);

impl Lcg {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51afd7ed558ccd);
        x ^ (x >> 33)
    }

    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
