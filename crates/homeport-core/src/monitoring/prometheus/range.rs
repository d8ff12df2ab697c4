//! The time grid of a range query: the step picked for a range, and the explicit gap points
//! where Prometheus returned no sample on a step.

use homeport_metrics::Point;

use crate::error::{Error, Result};

/// Prometheus's limit of points per series in one range query ("exceeded maximum resolution
/// of 11,000 points per timeseries", checked with 2.42).
pub const MAX_POINTS_PER_SERIES: i64 = 11_000;

/// Points per series when the caller gives no step: about one per pixel of a chart that is
/// 600 px wide.
pub const DEFAULT_TARGET_POINTS: i64 = 600;

/// The range a caller asks for: Unix milliseconds, and the step or `None` to pick one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeRequest {
    pub from_ms: i64,
    pub to_ms: i64,
    pub step_ms: Option<i64>,
}

/// The grid a range query runs on: points at `start_ms + k * step_ms` up to `end_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub start_ms: i64,
    pub end_ms: i64,
    pub step_ms: i64,
}

impl Grid {
    /// Resolves a request. A given step is used as it is and must keep the point count within
    /// [`MAX_POINTS_PER_SERIES`]. A picked step is a whole number of seconds giving about
    /// [`DEFAULT_TARGET_POINTS`], and the start moves back to a multiple of it, so refreshing
    /// a chart gives the same timestamps for the same data.
    pub fn resolve(request: RangeRequest) -> Result<Self> {
        let RangeRequest {
            from_ms,
            to_ms,
            step_ms,
        } = request;
        if to_ms <= from_ms {
            return Err(Error::invalid(
                "to",
                to_ms.to_string(),
                format!("the end of the range must be after its start ({from_ms})"),
            ));
        }
        let span = to_ms - from_ms;
        match step_ms {
            Some(step) => {
                if step < 1 {
                    return Err(Error::invalid(
                        "step",
                        step.to_string(),
                        "the step must be at least 1 ms",
                    ));
                }
                if span / step + 1 > MAX_POINTS_PER_SERIES {
                    let smallest = ceil_div(span, MAX_POINTS_PER_SERIES - 1);
                    return Err(Error::invalid(
                        "step",
                        step.to_string(),
                        format!(
                            "this range needs a step of at least {smallest} ms, because Prometheus returns at most {MAX_POINTS_PER_SERIES} points per series"
                        ),
                    ));
                }
                Ok(Self {
                    start_ms: from_ms,
                    end_ms: to_ms,
                    step_ms: step,
                })
            }
            None => {
                let step = ceil_div(ceil_div(span, DEFAULT_TARGET_POINTS - 1), 1000).max(1) * 1000;
                Ok(Self {
                    start_ms: from_ms - from_ms.rem_euclid(step),
                    end_ms: to_ms,
                    step_ms: step,
                })
            }
        }
    }

    /// Number of grid points.
    pub fn len(&self) -> usize {
        ((self.end_ms - self.start_ms) / self.step_ms + 1) as usize
    }

    /// Returns false: a grid always contains its start point.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Puts `samples` (time-ordered, as Prometheus returns them) on the grid: one point per
    /// step, a gap ([`Point::gap`]) where no sample lies within half a step of it.
    pub fn fill(&self, samples: &[(i64, f64)]) -> Vec<Point> {
        let half = self.step_ms / 2;
        let mut points = Vec::with_capacity(self.len());
        let mut next = samples.iter().peekable();
        for k in 0..self.len() as i64 {
            let at = self.start_ms + k * self.step_ms;
            while next.next_if(|(timestamp, _)| *timestamp < at - half).is_some() {}
            match next.next_if(|(timestamp, _)| *timestamp <= at + half) {
                Some(&(_, value)) => points.push(Point {
                    timestamp_ms: at,
                    value: Some(value),
                    min: Some(value),
                    max: Some(value),
                }),
                None => points.push(Point::gap(at)),
            }
        }
        points
    }
}

/// Divides positive `a` by positive `b`, rounding up (`i64::div_ceil` is unstable).
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picked_step_is_whole_seconds_and_aligned() {
        let hour = 3_600_000;
        let grid = Grid::resolve(RangeRequest {
            from_ms: 1_000_123,
            to_ms: 1_000_123 + hour,
            step_ms: None,
        })
        .unwrap();
        // 3,600 s over 599 intervals is 6.01 s, rounded up to 7 s.
        assert_eq!(grid.step_ms, 7_000);
        assert_eq!(grid.start_ms % grid.step_ms, 0);
        assert!(grid.start_ms <= 1_000_123);
        assert!(grid.len() as i64 <= DEFAULT_TARGET_POINTS + 1);

        let short = Grid::resolve(RangeRequest {
            from_ms: 0,
            to_ms: 10_000,
            step_ms: None,
        })
        .unwrap();
        assert_eq!(short.step_ms, 1_000);
        assert_eq!(short.len(), 11);
    }

    #[test]
    fn given_step_respects_point_limit() {
        let day = 86_400_000;
        let ok = Grid::resolve(RangeRequest {
            from_ms: 0,
            to_ms: day,
            step_ms: Some(10_000),
        })
        .unwrap();
        assert_eq!(ok.len(), 8_641);

        let err = Grid::resolve(RangeRequest {
            from_ms: 0,
            to_ms: day,
            step_ms: Some(1_000),
        })
        .unwrap_err();
        assert!(err.to_string().contains("at least 7856 ms"), "{err}");
        assert!(Grid::resolve(RangeRequest {
            from_ms: 5,
            to_ms: 5,
            step_ms: None
        })
        .is_err());
        assert!(Grid::resolve(RangeRequest {
            from_ms: 0,
            to_ms: 5,
            step_ms: Some(0)
        })
        .is_err());
    }

    #[test]
    fn missing_steps_become_gaps() {
        let grid = Grid {
            start_ms: 1_000,
            end_ms: 6_000,
            step_ms: 1_000,
        };
        let points = grid.fill(&[(1_000, 1.0), (2_000, 2.0), (5_000, f64::NAN), (6_000, 6.0)]);
        let timestamps: Vec<i64> = points.iter().map(|point| point.timestamp_ms).collect();
        assert_eq!(timestamps, vec![1_000, 2_000, 3_000, 4_000, 5_000, 6_000]);
        assert_eq!(points[1].value, Some(2.0));
        assert!(points[2].is_gap());
        assert!(points[3].is_gap());
        // NaN is a value Prometheus computed, not a missing sample.
        assert!(points[4].value.is_some_and(f64::is_nan));
        assert_eq!(points[5].value, Some(6.0));
    }
}
