//! The Prometheus client's size limit, against a local HTTP server that sends more than
//! `MAX_RESPONSE_BYTES`, announced in Content-Length or not. No lab needed.

use homeport_core::monitoring::prometheus::{PrometheusClient, MAX_RESPONSE_BYTES};
use homeport_core::{Error, ErrorCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves one connection: reads the request head, then writes `head` and `body_bytes` bytes.
async fn serve_once(head: String, body_bytes: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = vec![0u8; 4096];
        let _ = stream.read(&mut request).await;
        stream.write_all(head.as_bytes()).await.unwrap();
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < body_bytes {
            if stream.write_all(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
    });
    url
}

#[tokio::test]
async fn oversized_responses_are_rejected() {
    let too_many = MAX_RESPONSE_BYTES + 1;
    let announced = serve_once(
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {too_many}\r\n\r\n"),
        0,
    )
    .await;
    let streamed = serve_once(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".to_string(),
        too_many,
    )
    .await;

    for url in [announced, streamed] {
        let client = PrometheusClient::direct(&url).unwrap();
        let err = client.query("up", None).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::PrometheusResponseTooLarge, "{url}: {err}");
        let Error::PrometheusResponseTooLarge { limit_mib, .. } = &err else {
            unreachable!()
        };
        assert_eq!(*limit_mib, 16);
        assert!(err.to_string().contains("larger step"), "{err}");
    }
}
