//! `GET /metrics` and `GET /healthz` over any server description.

use std::convert::Infallible;
use std::sync::Arc;

use endpoint_core::{Connection, ServerDescription};
use endpoint_service::Service;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tracing::debug;

use crate::metrics::Metrics;

/// Whether the process is healthy, asked at each `GET /healthz`.
pub trait Health: Send + Sync + 'static {
    /// True when every relay is listening.
    fn healthy(&self) -> bool;
}

impl<F: Fn() -> bool + Send + Sync + 'static> Health for F {
    fn healthy(&self) -> bool {
        self()
    }
}

/// The content type of the OpenMetrics text format, which Prometheus scrapes.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A service that answers `GET /metrics` with `metrics` and `GET /healthz` with 200 when
/// `health` says so (503 otherwise), on `on` (`tcp:9100:interface=127.0.0.1`,
/// `unix:/run/relay-metrics.sock`, even `tls:`...). HTTP/1.1; anything else is 404 or 405.
pub fn metrics_service(
    on: &ServerDescription,
    metrics: Arc<Metrics>,
    health: Arc<dyn Health>,
) -> Service {
    Service::new(Arc::clone(on.endpoint()), move |connection: Connection| {
        let metrics = Arc::clone(&metrics);
        let health = Arc::clone(&health);
        async move {
            let answer = hyper::service::service_fn(move |request: Request<Incoming>| {
                let response = respond(&request, &metrics, health.as_ref());
                async move { Ok::<_, Infallible>(response) }
            });
            if let Err(error) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(connection), answer)
                .await
            {
                debug!(%error, "metrics connection ended with an error");
            }
        }
    })
}

fn respond(
    request: &Request<Incoming>,
    metrics: &Metrics,
    health: &dyn Health,
) -> Response<Full<Bytes>> {
    let reply = |status: StatusCode, content_type: &str, body: String| {
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        if let Ok(value) = content_type.parse() {
            response
                .headers_mut()
                .insert(hyper::header::CONTENT_TYPE, value);
        }
        response
    };
    let text = "text/plain; charset=utf-8";
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return reply(StatusCode::METHOD_NOT_ALLOWED, text, "only GET\n".into());
    }
    match request.uri().path() {
        "/metrics" => reply(StatusCode::OK, OPENMETRICS, metrics.encode()),
        "/healthz" if health.healthy() => reply(StatusCode::OK, text, "ok\n".into()),
        "/healthz" => reply(
            StatusCode::SERVICE_UNAVAILABLE,
            text,
            "not every relay is listening\n".into(),
        ),
        _ => reply(
            StatusCode::NOT_FOUND,
            text,
            "try /metrics or /healthz\n".into(),
        ),
    }
}
