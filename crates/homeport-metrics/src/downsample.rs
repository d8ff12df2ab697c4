//! Downsampling for display that keeps peaks: each time bucket contributes its lowest and
//! highest point, so a one-sample spike survives any reduction.

use crate::types::Point;

/// Reduces `points` to about `target` points (at most `target` plus the gap markers) by
/// splitting the time span into `target / 2` buckets and keeping the minimum and maximum
/// of each run of points between gaps, in time order. Gap markers are kept, so gaps still
/// break the line. Points without a `min` or `max` use their `value`.
pub fn min_max(points: &[Point], target: usize) -> Vec<Point> {
    if points.len() <= target || target < 2 {
        return points.to_vec();
    }
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    let buckets = (target / 2) as i64;
    let span = (last.timestamp_ms - first.timestamp_ms).max(1);
    let bucket_of = |timestamp: i64| {
        ((i128::from(timestamp - first.timestamp_ms) * i128::from(buckets)) / i128::from(span + 1)) as i64
    };

    let mut result = Vec::with_capacity(target + 16);
    let mut run = Run::default();
    let mut current_bucket = bucket_of(first.timestamp_ms);
    for point in points {
        if point.is_gap() {
            run.flush(&mut result);
            result.push(*point);
            continue;
        }
        let bucket = bucket_of(point.timestamp_ms);
        if bucket != current_bucket {
            run.flush(&mut result);
            current_bucket = bucket;
        }
        run.add(point);
    }
    run.flush(&mut result);
    result
}

/// The extreme points of a run of points in one bucket.
#[derive(Default)]
struct Run {
    lowest: Option<(Point, f64)>,
    highest: Option<(Point, f64)>,
}

impl Run {
    fn add(&mut self, point: &Point) {
        let Some(value) = point.value else { return };
        let low = point.min.unwrap_or(value);
        let high = point.max.unwrap_or(value);
        if self.lowest.is_none_or(|(_, current)| low < current) {
            self.lowest = Some((*point, low));
        }
        if self.highest.is_none_or(|(_, current)| high > current) {
            self.highest = Some((*point, high));
        }
    }

    /// Emits the lowest and highest point in time order and starts a new run.
    fn flush(&mut self, output: &mut Vec<Point>) {
        let (Some((low_point, low)), Some((high_point, high))) = (self.lowest.take(), self.highest.take()) else {
            return;
        };
        let extreme = |point: Point, value: f64| Point {
            timestamp_ms: point.timestamp_ms,
            value: Some(value),
            min: Some(low),
            max: Some(high),
        };
        if low_point.timestamp_ms == high_point.timestamp_ms {
            // One point is both extremes, as a single rollup bucket is, so it keeps its value.
            output.push(extreme(low_point, low_point.value.unwrap_or(low)));
        } else if low_point.timestamp_ms < high_point.timestamp_ms {
            output.push(extreme(low_point, low));
            output.push(extreme(high_point, high));
        } else {
            output.push(extreme(high_point, high));
            output.push(extreme(low_point, low));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_points(count: i64) -> Vec<Point> {
        (0..count)
            .map(|i| {
                let value = (i as f64 * 0.01).sin() * 10.0;
                Point {
                    timestamp_ms: i * 15_000,
                    value: Some(value),
                    min: Some(value),
                    max: Some(value),
                }
            })
            .collect()
    }

    #[test]
    fn min_max_keeps_single_spike() {
        let mut points = sample_points(172_800);
        points[100_001].value = Some(1_000.0);
        points[100_001].max = Some(1_000.0);
        points[50_000].value = Some(-500.0);
        points[50_000].min = Some(-500.0);
        let reduced = min_max(&points, 1_000);
        assert!(reduced.len() <= 1_000, "{} points", reduced.len());
        assert!(reduced.iter().any(|p| p.value == Some(1_000.0)));
        assert!(reduced.iter().any(|p| p.value == Some(-500.0)));
        assert!(reduced
            .windows(2)
            .all(|pair| pair[0].timestamp_ms < pair[1].timestamp_ms));
    }

    #[test]
    fn min_max_keeps_gaps() {
        let mut points = sample_points(10_000);
        points[4_000] = Point::gap(points[4_000].timestamp_ms);
        let reduced = min_max(&points, 200);
        assert_eq!(reduced.iter().filter(|p| p.is_gap()).count(), 1);
        let gap = reduced.iter().position(Point::is_gap).unwrap();
        assert!(reduced[..gap].iter().all(|p| p.timestamp_ms < 4_000 * 15_000));
        assert!(reduced[gap + 1..].iter().all(|p| p.timestamp_ms > 4_000 * 15_000));
    }

    #[test]
    fn min_max_leaves_short_input() {
        let points = sample_points(50);
        assert_eq!(min_max(&points, 100), points);
    }
}
