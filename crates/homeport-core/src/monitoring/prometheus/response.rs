//! The JSON of Prometheus's HTTP API: the `status` envelope, the four result types and the
//! sample values, which Prometheus sends as strings so that NaN and ±Inf survive JSON.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The envelope of every `/api/v1` response, success or error.
#[derive(Debug, Deserialize)]
pub(super) struct Envelope {
    pub status: String,
    #[serde(default)]
    pub data: Option<serde_json::Value>,
    #[serde(rename = "errorType", default)]
    pub error_type: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// A query's `data`: the result type and its result.
#[derive(Debug, Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
pub(super) enum RawData {
    Matrix(Vec<RawSeries>),
    Vector(Vec<RawSample>),
    Scalar(RawValue),
    String(RawValue),
}

#[derive(Debug, Deserialize)]
pub(super) struct RawSeries {
    #[serde(default)]
    pub metric: BTreeMap<String, String>,
    /// Float samples. A series of native histograms (`histograms`, experimental in 2.40+) has
    /// none, and its histogram samples are not read.
    #[serde(default)]
    pub values: Vec<RawValue>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawSample {
    #[serde(default)]
    pub metric: BTreeMap<String, String>,
    /// Missing for a native histogram sample, which is skipped.
    #[serde(default)]
    pub value: Option<RawValue>,
}

/// `[unix_seconds, "value"]`.
#[derive(Debug, Deserialize)]
pub(super) struct RawValue(pub f64, pub String);

impl RawValue {
    pub fn timestamp_ms(&self) -> i64 {
        seconds_to_ms(self.0)
    }

    pub fn number(&self) -> Result<f64> {
        parse_value(&self.1)
    }
}

/// Converts Prometheus's float seconds to whole milliseconds, the precision of its timestamps.
pub(super) fn seconds_to_ms(seconds: f64) -> i64 {
    (seconds * 1000.0).round() as i64
}

/// Parses a sample value as Go's `strconv.FormatFloat` writes it, with `NaN`, `+Inf` and `-Inf`.
pub(super) fn parse_value(text: &str) -> Result<f64> {
    match text {
        "NaN" => Ok(f64::NAN),
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => text.parse::<f64>().map_err(|_| {
            Error::Internal(format!(
                "Prometheus sent the sample value '{text}', which is not a number"
            ))
        }),
    }
}

/// Turns a response body into its envelope's `data`, or into the error it reports. `url` names
/// the server in errors.
pub(super) fn unwrap_envelope(url: &str, status: u16, body: &[u8]) -> Result<(serde_json::Value, Vec<String>)> {
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(envelope) => envelope,
        Err(err) => {
            let detail = if (200..300).contains(&status) {
                format!(
                    "the response is not Prometheus API JSON ({err}); check that the URL is Prometheus's own address"
                )
            } else {
                format!("HTTP {status}: {}", snippet(body))
            };
            return Err(Error::PrometheusQueryFailed {
                url: url.to_string(),
                detail,
            });
        }
    };
    if envelope.status == "success" {
        return Ok((envelope.data.unwrap_or(serde_json::Value::Null), envelope.warnings));
    }
    let error_type = envelope.error_type.unwrap_or_else(|| "error".to_string());
    let message = envelope
        .error
        .unwrap_or_else(|| format!("HTTP {status} without an error message"));
    Err(api_error(url, &error_type, &message))
}

/// Maps an error response: a PromQL syntax error becomes [`Error::PromqlInvalid`] with its
/// position, anything else [`Error::PrometheusQueryFailed`] with Prometheus's own message.
pub(super) fn api_error(url: &str, error_type: &str, message: &str) -> Error {
    let message = message.strip_prefix("invalid parameter \"query\": ").unwrap_or(message);
    if error_type == "bad_data" {
        if let Some((line, column, detail)) = parse_error_position(message) {
            return Error::PromqlInvalid {
                line,
                column,
                detail: detail.to_string(),
            };
        }
    }
    Error::PrometheusQueryFailed {
        url: url.to_string(),
        detail: format!("{message} ({error_type})"),
    }
}

/// Reads the position of a PromQL syntax error. Prometheus 2.42 writes
/// `1:12: parse error: unclosed left parenthesis`. Older releases wrote
/// `parse error at char 5: ...` or `parse error at line 2, char 5: ...`.
// NOTE: the two older forms are from Prometheus's source history and were not run here. Only
// the 2.42 form is checked against a real server, the lab's.
fn parse_error_position(message: &str) -> Option<(u32, u32, &str)> {
    if let Some((position, detail)) = message.split_once(": parse error: ") {
        let (line, column) = position.split_once(':')?;
        return Some((line.parse().ok()?, column.parse().ok()?, detail));
    }
    let rest = message.strip_prefix("parse error at ")?;
    let (position, detail) = rest.split_once(": ")?;
    let (line, column) = match position.split_once(", ") {
        Some((line, column)) => (line.strip_prefix("line ")?.parse().ok()?, column),
        None => (1, position),
    };
    let column = column.strip_prefix("char ")?.parse().ok()?;
    Some((line, column, detail))
}

/// Returns the start of a body for an error message: at most 200 characters of its text.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn values_include_nan_and_infinities() {
        assert!(parse_value("NaN").unwrap().is_nan());
        assert_eq!(parse_value("+Inf").unwrap(), f64::INFINITY);
        assert_eq!(parse_value("-Inf").unwrap(), f64::NEG_INFINITY);
        assert_eq!(parse_value("1e-05").unwrap(), 0.00001);
        assert_eq!(parse_value("-3.5").unwrap(), -3.5);
        assert!(parse_value("one").is_err());
        assert_eq!(seconds_to_ms(1796451898.155), 1_796_451_898_155);
    }

    #[test]
    fn parse_errors_carry_position() {
        // The text Prometheus 2.42 returned for `rate(up[1m]` in the lab.
        let error = api_error(
            "http://p",
            "bad_data",
            "invalid parameter \"query\": 1:12: parse error: unclosed left parenthesis",
        );
        let Error::PromqlInvalid { line, column, detail } = error else {
            panic!("expected PromqlInvalid, got {error:?}");
        };
        assert_eq!((line, column), (1, 12));
        assert_eq!(detail, "unclosed left parenthesis");

        let error = api_error(
            "http://p",
            "bad_data",
            "parse error at line 2, char 5: unexpected \")\"",
        );
        assert!(
            matches!(error, Error::PromqlInvalid { line: 2, column: 5, .. }),
            "{error:?}"
        );
        let error = api_error("http://p", "bad_data", "parse error at char 7: no expression found");
        assert!(
            matches!(error, Error::PromqlInvalid { line: 1, column: 7, .. }),
            "{error:?}"
        );
    }

    #[test]
    fn other_errors_keep_message() {
        let error = api_error(
            "http://p",
            "bad_data",
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        );
        assert_eq!(error.code(), ErrorCode::PrometheusQueryFailed);
        assert!(error.to_string().contains("11,000 points"), "{error}");

        let error = unwrap_envelope("http://p", 502, b"<html>Bad Gateway</html>").unwrap_err();
        assert_eq!(error.code(), ErrorCode::PrometheusQueryFailed);
        assert!(
            error.to_string().contains("HTTP 502: <html>Bad Gateway</html>"),
            "{error}"
        );

        let error = unwrap_envelope("http://p", 200, b"<html>Grafana</html>").unwrap_err();
        assert!(error.to_string().contains("not Prometheus API JSON"), "{error}");
    }

    #[test]
    fn envelope_returns_data_and_warnings() {
        let body = br#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"2"]},"warnings":["w"]}"#;
        let (data, warnings) = unwrap_envelope("http://p", 200, body).unwrap();
        assert_eq!(warnings, vec!["w"]);
        let RawData::Scalar(value) = serde_json::from_value(data).unwrap() else {
            panic!("expected a scalar");
        };
        assert_eq!(value.timestamp_ms(), 1500);
        assert_eq!(value.number().unwrap(), 2.0);
    }
}
