//! A host's Prometheus source: set, show, test and remove it, and run PromQL queries on it for
//! charts. A deploy of the `monitoring` template registers its Prometheus here.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use homeport_core::inventory::{Host, HostKind};
use homeport_core::monitoring::prometheus::{self as core_prometheus, PrometheusClient, QueryResult, RangeRequest};
use homeport_core::monitoring::sources::{self, PrometheusSource, SourceOrigin};
use homeport_core::ssh::SshSession;
use homeport_core::Error;
use homeport_metrics::Point;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Api, ApiResult};

/// The catalog template whose deploy registers a Prometheus source.
pub const MONITORING_TEMPLATE_ID: &str = "monitoring";

/// The monitoring template's parameter with the host port Prometheus is published on, on the
/// host's loopback address only.
const PROMETHEUS_PORT_PARAMETER: &str = "PROMETHEUS_PORT";

/// A Prometheus source as the host settings form sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusSourceInput {
    /// The base URL, such as `http://127.0.0.1:9090`.
    pub url: String,
    /// Connect through the host's SSH connection, so the URL is resolved on the host.
    pub through_ssh: bool,
}

/// The origin of a source: the user in the host's details, or a monitoring template deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum PrometheusSourceOrigin {
    User,
    Template,
}

/// A host's stored Prometheus source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusSourceView {
    pub host_id: String,
    pub url: String,
    pub through_ssh: bool,
    pub added_by: PrometheusSourceOrigin,
    /// RFC 3339 time the source was set.
    pub added_at: String,
}

/// The result of a connection test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusTestView {
    /// Prometheus's version, such as `2.42.0`.
    pub version: String,
    #[ts(type = "number")]
    pub targets_up: u64,
    #[ts(type = "number")]
    pub targets_total: u64,
    /// Time the test took, connection included.
    #[ts(type = "number")]
    pub millis: u64,
}

/// A value JSON has no number for, written as Prometheus writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum PrometheusSpecialValue {
    #[serde(rename = "NaN")]
    NaN,
    #[serde(rename = "+Inf")]
    PositiveInfinity,
    #[serde(rename = "-Inf")]
    NegativeInfinity,
}

/// One point of a series. `value` is `null` in a gap (no sample on that step), and also for
/// NaN and ±Inf, which `special` names. A chart breaks its line at both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusPointView {
    /// Unix time in milliseconds.
    #[ts(type = "number")]
    pub timestamp_ms: i64,
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub special: Option<PrometheusSpecialValue>,
}

/// A series: its labels and its points in time order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusSeriesView {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<PrometheusPointView>,
}

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusSampleView {
    pub labels: BTreeMap<String, String>,
    pub point: PrometheusPointView,
}

/// The result of an instant query, by PromQL result type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "resultType", rename_all = "camelCase")]
pub enum PrometheusQueryView {
    Vector {
        samples: Vec<PrometheusSampleView>,
    },
    /// Raw samples of a range selector such as `up[5m]`.
    Matrix {
        series: Vec<PrometheusSeriesView>,
    },
    Scalar {
        point: PrometheusPointView,
    },
    String {
        #[ts(type = "number")]
        timestamp_ms: i64,
        value: String,
    },
}

/// The result of a range query: every series has one point per step from `startMs` to
/// `endMs`, gaps included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusRangeView {
    #[ts(type = "number")]
    pub start_ms: i64,
    #[ts(type = "number")]
    pub end_ms: i64,
    #[ts(type = "number")]
    pub step_ms: i64,
    pub series: Vec<PrometheusSeriesView>,
    /// Warnings Prometheus sent, such as a partial result.
    pub warnings: Vec<String>,
}

impl Api {
    /// Returns the host's Prometheus source, or `None` when it has none.
    pub async fn prometheus_source_get(&self, id_or_name: &str) -> ApiResult<Option<PrometheusSourceView>> {
        let host = self.hosts.get(id_or_name).await?;
        Ok(sources::prometheus(self.hosts.store(), &host.id)
            .await?
            .map(source_view))
    }

    /// Sets the host's Prometheus source, replacing any earlier one. Nothing is contacted: the
    /// settings form tests first with [`Api::prometheus_source_test`].
    pub async fn prometheus_source_set(
        &self,
        id_or_name: &str,
        input: &PrometheusSourceInput,
    ) -> ApiResult<PrometheusSourceView> {
        let host = self.hosts.get(id_or_name).await?;
        check_route(&host, input.through_ssh)?;
        let source = sources::set_prometheus(
            self.hosts.store(),
            &host.id,
            &input.url,
            input.through_ssh,
            SourceOrigin::User,
        )
        .await?;
        Ok(source_view(source))
    }

    /// Removes the host's Prometheus source and returns whether it had one.
    pub async fn prometheus_source_remove(&self, id_or_name: &str) -> ApiResult<bool> {
        let host = self.hosts.get(id_or_name).await?;
        Ok(sources::remove_prometheus(self.hosts.store(), &host.id).await?)
    }

    /// Registers the Prometheus a monitoring template deploy published on the host's loopback
    /// at `port`, reached through SSH. A source the user set is kept. Returns the source now
    /// in effect.
    pub async fn prometheus_source_register_template(
        &self,
        id_or_name: &str,
        port: u16,
    ) -> ApiResult<PrometheusSourceView> {
        let host = self.hosts.get(id_or_name).await?;
        let source = sources::register_template_prometheus(self.hosts.store(), &host.id, port).await?;
        Ok(source_view(source))
    }

    /// Tests `input`, or the stored source when `input` is `None`: reads the version and how
    /// many scrape targets are up.
    pub async fn prometheus_source_test(
        &self,
        id_or_name: &str,
        input: Option<&PrometheusSourceInput>,
    ) -> ApiResult<PrometheusTestView> {
        let host = self.hosts.get(id_or_name).await?;
        let source = match input {
            Some(input) => {
                check_route(&host, input.through_ssh)?;
                PrometheusSource {
                    host_id: host.id.clone(),
                    url: input.url.clone(),
                    through_ssh: input.through_ssh,
                    origin: SourceOrigin::User,
                    added_at: String::new(),
                }
            }
            None => self.stored_source(&host).await?,
        };
        let started = Instant::now();
        let connected = self.connect(&host, &source).await?;
        let status = connected.client.status().await;
        connected.finish().await;
        let status = status?;
        Ok(PrometheusTestView {
            version: status.version,
            targets_up: status.targets_up,
            targets_total: status.targets_total,
            millis: started.elapsed().as_millis() as u64,
        })
    }

    /// Evaluates `promql` on the host's Prometheus at `at_ms` (Unix milliseconds), or now.
    pub async fn prometheus_query(
        &self,
        id_or_name: &str,
        promql: &str,
        at_ms: Option<i64>,
    ) -> ApiResult<PrometheusQueryView> {
        let host = self.hosts.get(id_or_name).await?;
        let source = self.stored_source(&host).await?;
        let connected = self.connect(&host, &source).await?;
        let result = connected.client.query(promql, at_ms).await;
        connected.finish().await;
        Ok(query_view(result?))
    }

    /// Evaluates `promql` on the host's Prometheus from `from_ms` to `to_ms`. Without
    /// `step_ms`, a step giving about 600 points is picked and the start moves back to a
    /// multiple of it. Steps without a sample come back as gap points.
    pub async fn prometheus_query_range(
        &self,
        id_or_name: &str,
        promql: &str,
        from_ms: i64,
        to_ms: i64,
        step_ms: Option<i64>,
    ) -> ApiResult<PrometheusRangeView> {
        let host = self.hosts.get(id_or_name).await?;
        let source = self.stored_source(&host).await?;
        let request = RangeRequest {
            from_ms,
            to_ms,
            step_ms,
        };
        let connected = self.connect(&host, &source).await?;
        let result = connected.client.query_range(promql, request).await;
        connected.finish().await;
        let result = result?;
        Ok(PrometheusRangeView {
            start_ms: result.grid.start_ms,
            end_ms: result.grid.end_ms,
            step_ms: result.grid.step_ms,
            series: result.series.into_iter().map(series_view).collect(),
            warnings: result.warnings,
        })
    }

    async fn stored_source(&self, host: &Host) -> ApiResult<PrometheusSource> {
        sources::prometheus(self.hosts.store(), &host.id).await?.ok_or_else(|| {
            Error::PrometheusSourceMissing {
                host: host.name.clone(),
            }
            .into()
        })
    }

    /// Builds the client for `source`. Through SSH it uses the host's pooled connection when
    /// one is live, and otherwise opens a session that [`Connected::finish`] closes.
    async fn connect(&self, host: &Host, source: &PrometheusSource) -> ApiResult<Connected> {
        if !source.through_ssh {
            return Ok(Connected {
                client: source.client(None)?,
                owned: None,
            });
        }
        let pooled = self
            .hosts
            .connections()
            .live(&host.id)
            .await
            .and_then(|link| link.session.clone());
        // NOTE: without a live pooled link, every query opens its own SSH session, which costs a
        // few hundred ms of handshake. A chart that refreshes often should share one.
        let (session, owned) = match pooled {
            Some(session) => (session, None),
            None => {
                let session = Arc::new(self.hosts.session(host).await?);
                (Arc::clone(&session), Some(session))
            }
        };
        Ok(Connected {
            client: source.client(Some(session))?,
            owned,
        })
    }
}

/// A client and the SSH session opened for it, if any.
struct Connected {
    client: PrometheusClient,
    owned: Option<Arc<SshSession>>,
}

impl Connected {
    async fn finish(self) {
        drop(self.client);
        if let Some(session) = self.owned {
            session.close().await;
        }
    }
}

/// Rejects a source through SSH on a host that Homeport reaches without SSH.
fn check_route(host: &Host, through_ssh: bool) -> ApiResult<()> {
    if through_ssh && host.kind != HostKind::Ssh {
        return Err(Error::invalid(
            "throughSsh",
            host.name.clone(),
            "this host is a Docker engine reached without SSH; give a URL this computer can reach and turn off 'through SSH'",
        )
        .into());
    }
    Ok(())
}

/// Returns the Prometheus port a deploy of `template_id` publishes, read from its rendered
/// `.env`, or `None` for any template but the monitoring one.
pub(crate) fn monitoring_prometheus_port(template_id: &str, env: &str) -> Option<u16> {
    if template_id != MONITORING_TEMPLATE_ID {
        return None;
    }
    homeport_compose::dotenv::parse_dotenv(env, &|_| None)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == PROMETHEUS_PORT_PARAMETER)
        .and_then(|(_, value)| value.trim().parse().ok())
}

fn source_view(source: PrometheusSource) -> PrometheusSourceView {
    PrometheusSourceView {
        host_id: source.host_id,
        url: source.url,
        through_ssh: source.through_ssh,
        added_by: match source.origin {
            SourceOrigin::User => PrometheusSourceOrigin::User,
            SourceOrigin::Template => PrometheusSourceOrigin::Template,
        },
        added_at: source.added_at,
    }
}

fn point_view(timestamp_ms: i64, value: Option<f64>) -> PrometheusPointView {
    let special = match value {
        Some(value) if value.is_nan() => Some(PrometheusSpecialValue::NaN),
        Some(value) if value == f64::INFINITY => Some(PrometheusSpecialValue::PositiveInfinity),
        Some(value) if value == f64::NEG_INFINITY => Some(PrometheusSpecialValue::NegativeInfinity),
        _ => None,
    };
    PrometheusPointView {
        timestamp_ms,
        value: value.filter(|value| value.is_finite()),
        special,
    }
}

fn series_view(series: core_prometheus::Series) -> PrometheusSeriesView {
    PrometheusSeriesView {
        labels: series.labels,
        points: series
            .points
            .iter()
            .map(|point: &Point| point_view(point.timestamp_ms, point.value))
            .collect(),
    }
}

fn query_view(result: QueryResult) -> PrometheusQueryView {
    match result {
        QueryResult::Vector(samples) => PrometheusQueryView::Vector {
            samples: samples
                .into_iter()
                .map(|sample| PrometheusSampleView {
                    labels: sample.labels,
                    point: point_view(sample.timestamp_ms, Some(sample.value)),
                })
                .collect(),
        },
        QueryResult::Matrix(series) => PrometheusQueryView::Matrix {
            series: series.into_iter().map(series_view).collect(),
        },
        QueryResult::Scalar { timestamp_ms, value } => PrometheusQueryView::Scalar {
            point: point_view(timestamp_ms, Some(value)),
        },
        QueryResult::String { timestamp_ms, value } => PrometheusQueryView::String { timestamp_ms, value },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_values_are_named() {
        let nan = point_view(1, Some(f64::NAN));
        assert_eq!(nan.value, None);
        assert_eq!(nan.special, Some(PrometheusSpecialValue::NaN));
        let inf = point_view(1, Some(f64::NEG_INFINITY));
        assert_eq!(inf.special, Some(PrometheusSpecialValue::NegativeInfinity));
        let gap = point_view(1, None);
        assert_eq!((gap.value, gap.special), (None, None));
        assert_eq!(
            serde_json::to_string(&point_view(5, Some(f64::INFINITY))).unwrap(),
            r#"{"timestampMs":5,"value":null,"special":"+Inf"}"#
        );
        assert_eq!(
            serde_json::to_string(&point_view(5, Some(0.5))).unwrap(),
            r#"{"timestampMs":5,"value":0.5}"#
        );
    }

    #[test]
    fn monitoring_port_comes_from_rendered_template() {
        let template = crate::templates::catalog()
            .expect("built-in catalog")
            .get(MONITORING_TEMPLATE_ID)
            .expect("monitoring template");
        let values = BTreeMap::from([(PROMETHEUS_PORT_PARAMETER.to_string(), "9190".to_string())]);
        let rendered = template.render(&values, &BTreeMap::new()).expect("render");
        assert_eq!(
            monitoring_prometheus_port(MONITORING_TEMPLATE_ID, rendered.env.expose()),
            Some(9190)
        );

        let defaults = template.render(&BTreeMap::new(), &BTreeMap::new()).expect("render");
        assert_eq!(
            monitoring_prometheus_port(MONITORING_TEMPLATE_ID, defaults.env.expose()),
            Some(9090)
        );
        assert_eq!(monitoring_prometheus_port("nextcloud", rendered.env.expose()), None);
    }
}
