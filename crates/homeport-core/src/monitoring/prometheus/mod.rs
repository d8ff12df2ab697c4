//! A client for the user's Prometheus: instant and range PromQL queries (`/api/v1/query`,
//! `/api/v1/query_range`) and a connection test (`/api/v1/status/buildinfo`), reached directly
//! or through a host's SSH connection, so a Prometheus that listens only on the host's
//! loopback needs no open port.
//!
//! ```text
//! PrometheusClient::direct(url) | ::through_ssh(url, session)
//!     → query(promql, at) → QueryResult
//!     → query_range(promql, RangeRequest) → RangeResult (step-aligned points, gaps explicit)
//! ```

mod endpoint;
mod range;
mod response;
mod transport;

use std::collections::BTreeMap;
use std::sync::Arc;

use homeport_metrics::Point;

pub use endpoint::Endpoint;
pub use range::{Grid, RangeRequest, DEFAULT_TARGET_POINTS, MAX_POINTS_PER_SERIES};
pub(crate) use transport::Reply;
pub use transport::{MAX_RESPONSE_BYTES, REQUEST_TIMEOUT};

use crate::error::{Error, Result};
use crate::ssh::SshSession;
use response::{RawData, RawValue};
pub(crate) use transport::Route;

/// The evaluation timeout sent with each query, below [`REQUEST_TIMEOUT`] so that Prometheus
/// stops a slow query and reports it before Homeport stops waiting.
const QUERY_TIMEOUT: &str = "25s";

/// One series of a range query, or of an instant query that returned a range vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The series' labels, `__name__` included when the result kept it.
    pub labels: BTreeMap<String, String>,
    /// Time-ordered points. A value may be NaN or ±Inf when PromQL computed one, which is not
    /// a gap; a gap is a point whose value is `None`.
    pub points: Vec<Point>,
}

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct InstantSample {
    pub labels: BTreeMap<String, String>,
    pub timestamp_ms: i64,
    pub value: f64,
}

/// The result of an instant query, by PromQL result type.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryResult {
    Vector(Vec<InstantSample>),
    /// Raw samples of a range selector such as `up[5m]`, not on a grid.
    Matrix(Vec<Series>),
    Scalar {
        timestamp_ms: i64,
        value: f64,
    },
    String {
        timestamp_ms: i64,
        value: String,
    },
}

/// The result of a range query.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeResult {
    /// The grid the query ran on. Every series has one point per step of it.
    pub grid: Grid,
    pub series: Vec<Series>,
    /// Warnings Prometheus sent with the result, such as a partial response.
    pub warnings: Vec<String>,
}

/// The server's version and target health, for a connection test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerStatus {
    /// The version from `/api/v1/status/buildinfo`, such as `2.42.0+ds`.
    pub version: String,
    /// Targets whose last scrape succeeded (`sum(up)`).
    pub targets_up: u64,
    /// All targets with an `up` series (`count(up)`).
    pub targets_total: u64,
}

/// A Prometheus server and the way to reach it.
pub struct PrometheusClient {
    endpoint: Endpoint,
    route: Route,
}

impl std::fmt::Debug for PrometheusClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let route = match &self.route {
            Route::Direct(_) => "direct",
            Route::Ssh(_) => "ssh",
        };
        f.debug_struct("PrometheusClient")
            .field("url", &self.endpoint.as_str())
            .field("route", &route)
            .finish()
    }
}

impl PrometheusClient {
    /// Creates a client that connects to `url` from this computer.
    pub fn direct(url: &str) -> Result<Self> {
        Ok(Self {
            endpoint: Endpoint::parse(url, false)?,
            route: Route::direct()?,
        })
    }

    /// Creates a client whose requests the SSH session's host sends on, so `url`'s host and port are
    /// resolved on that host (`127.0.0.1` is the host's own loopback).
    pub fn through_ssh(url: &str, session: Arc<SshSession>) -> Result<Self> {
        Ok(Self {
            endpoint: Endpoint::parse(url, true)?,
            route: Route::Ssh(session),
        })
    }

    /// Returns the server's base URL.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Reads the server's version and how many of its targets are up.
    pub async fn status(&self) -> Result<ServerStatus> {
        let (data, _) = self.call("api/v1/status/buildinfo", &[]).await?;
        let version = data
            .get("version")
            .and_then(|version| version.as_str())
            .unwrap_or_default()
            .to_string();
        let targets_up = self.scalar_count("sum(up)").await?;
        let targets_total = self.scalar_count("count(up)").await?;
        Ok(ServerStatus {
            version,
            targets_up,
            targets_total,
        })
    }

    /// Evaluates `promql` at `at_ms` (Unix milliseconds), or at the server's current time.
    #[tracing::instrument(skip_all, fields(url = %self.endpoint.as_str()))]
    pub async fn query(&self, promql: &str, at_ms: Option<i64>) -> Result<QueryResult> {
        let mut params = vec![("query", promql.to_string()), ("timeout", QUERY_TIMEOUT.to_string())];
        if let Some(at) = at_ms {
            params.push(("time", ms_to_seconds(at)));
        }
        let (data, _) = self.call("api/v1/query", &params).await?;
        let data: RawData = self.decode(data)?;
        Ok(match data {
            RawData::Vector(samples) => {
                let mut vector = Vec::with_capacity(samples.len());
                for sample in samples {
                    // A native histogram sample has no float value.
                    let Some(value) = sample.value else { continue };
                    vector.push(InstantSample {
                        labels: sample.metric,
                        timestamp_ms: value.timestamp_ms(),
                        value: value.number()?,
                    });
                }
                QueryResult::Vector(vector)
            }
            RawData::Matrix(series) => QueryResult::Matrix(
                series
                    .into_iter()
                    .map(|series| {
                        let points = series
                            .values
                            .iter()
                            .map(|value| {
                                let number = value.number()?;
                                Ok(Point {
                                    timestamp_ms: value.timestamp_ms(),
                                    value: Some(number),
                                    min: Some(number),
                                    max: Some(number),
                                })
                            })
                            .collect::<Result<Vec<_>>>()?;
                        Ok(Series {
                            labels: series.metric,
                            points,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
            RawData::Scalar(value) => QueryResult::Scalar {
                timestamp_ms: value.timestamp_ms(),
                value: value.number()?,
            },
            RawData::String(RawValue(seconds, text)) => QueryResult::String {
                timestamp_ms: response::seconds_to_ms(seconds),
                value: text,
            },
        })
    }

    /// Evaluates `promql` over a range. Without a step, one is picked for about
    /// [`DEFAULT_TARGET_POINTS`] points (see [`Grid::resolve`]). Steps without a sample become
    /// gap points, so every series has a point at every step.
    #[tracing::instrument(skip_all, fields(url = %self.endpoint.as_str()))]
    pub async fn query_range(&self, promql: &str, request: RangeRequest) -> Result<RangeResult> {
        let grid = Grid::resolve(request)?;
        let params = [
            ("query", promql.to_string()),
            ("start", ms_to_seconds(grid.start_ms)),
            ("end", ms_to_seconds(grid.end_ms)),
            ("step", ms_to_seconds(grid.step_ms)),
            ("timeout", QUERY_TIMEOUT.to_string()),
        ];
        let (data, warnings) = self.call("api/v1/query_range", &params).await?;
        let RawData::Matrix(raw) = self.decode(data)? else {
            return Err(Error::PrometheusQueryFailed {
                url: self.endpoint.as_str().to_string(),
                detail: "a range query returned a result that is not a matrix".to_string(),
            });
        };

        let mut series = Vec::with_capacity(raw.len());
        for one in raw {
            let samples = one
                .values
                .iter()
                .map(|value| Ok((value.timestamp_ms(), value.number()?)))
                .collect::<Result<Vec<_>>>()?;
            series.push(Series {
                labels: one.metric,
                points: grid.fill(&samples),
            });
        }
        tracing::debug!(
            series = series.len(),
            points = grid.len(),
            step_ms = grid.step_ms,
            "range query done"
        );
        Ok(RangeResult { grid, series, warnings })
    }

    /// Runs an instant query whose result is one number, such as `count(up)`; 0 when the
    /// result is empty (no target at all).
    async fn scalar_count(&self, promql: &str) -> Result<u64> {
        let count = match self.query(promql, None).await? {
            QueryResult::Vector(samples) => samples.first().map_or(0.0, |sample| sample.value),
            QueryResult::Scalar { value, .. } => value,
            _ => 0.0,
        };
        Ok(if count.is_finite() && count > 0.0 {
            count as u64
        } else {
            0
        })
    }

    async fn call(&self, path: &str, params: &[(&str, String)]) -> Result<(serde_json::Value, Vec<String>)> {
        let url = self.endpoint.api_url(path, params);
        let started = std::time::Instant::now();
        let reply = self.route.get(&self.endpoint, &url).await;
        match &reply {
            Ok(reply) => tracing::debug!(
                path,
                status = reply.status,
                bytes = reply.body.len(),
                millis = started.elapsed().as_millis() as u64,
                "Prometheus replied"
            ),
            Err(err) => tracing::info!(path, error = %err, "Prometheus request failed"),
        }
        let reply = reply?;
        response::unwrap_envelope(self.endpoint.as_str(), reply.status, &reply.body)
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, data: serde_json::Value) -> Result<T> {
        serde_json::from_value(data).map_err(|err| Error::PrometheusQueryFailed {
            url: self.endpoint.as_str().to_string(),
            detail: format!("the result has an unexpected form ({err})"),
        })
    }
}

/// Formats Unix milliseconds as the decimal seconds Prometheus takes, without float rounding.
fn ms_to_seconds(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let abs = ms.unsigned_abs();
    format!("{sign}{}.{:03}", abs / 1000, abs % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_become_exact_seconds() {
        assert_eq!(ms_to_seconds(1_796_451_898_155), "1796451898.155");
        assert_eq!(ms_to_seconds(7_000), "7.000");
        assert_eq!(ms_to_seconds(-1_500), "-1.500");
    }
}
