//! The loopback listener the browser is sent back to (`http://localhost:PORT/?code=…&state=…`),
//! and the same answer read from an address the person pastes (headless sign-in).

use crate::config::Secret;
use reqwest::Url;
use std::ops::RangeInclusive;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The ports the Databricks CLI's public client may redirect to: 8020, then up to 8040.
pub const PORTS: RangeInclusive<u16> = 8020..=8040;
/// The largest request head read from the browser.
const MAX_HEAD: usize = 16 * 1024;
/// How long one browser connection may take to send its request.
const READ_LIMIT: Duration = Duration::from_secs(10);

/// What the authorization server sent back.
#[derive(Debug)]
pub enum Answer {
    Code { code: Secret, state: String },
    Error { error: String, description: String },
}

/// The answer in a redirect address (`http://localhost:8020/?code=…&state=…`), a bare query
/// (`?code=…&state=…` or `code=…&state=…`), or `None` if it holds neither a code nor an error.
pub fn answer_from(text: &str) -> Option<Answer> {
    let text = text.trim();
    let url = Url::parse(text).ok().or_else(|| {
        let query = text.trim_start_matches('/').trim_start_matches('?');
        Url::parse(&format!("http://localhost/?{query}")).ok()
    })?;
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = String::new();
    for (k, v) in url.query_pairs() {
        match &*k {
            "code" => code = Some(Secret::new(v.into_owned())),
            "state" => state = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => description = v.into_owned(),
            _ => {}
        }
    }
    match (error, code) {
        (Some(error), _) => Some(Answer::Error { error, description }),
        (None, Some(code)) => Some(Answer::Code {
            code,
            state: state.unwrap_or_default(),
        }),
        (None, None) => None,
    }
}

pub struct Listener {
    inner: TcpListener,
    pub port: u16,
}

/// Listens on the first free port of `ports` on 127.0.0.1; `None` when every one is taken
/// (or binding is not allowed at all).
pub async fn bind(ports: RangeInclusive<u16>) -> Option<Listener> {
    for port in ports {
        match TcpListener::bind(("127.0.0.1", port)).await {
            Ok(inner) => return Some(Listener { inner, port }),
            Err(e) => tracing::debug!(port, error = %e, "sign-in listener: port not available"),
        }
    }
    None
}

const PAGE_DONE: &str = "<!doctype html><meta charset=utf-8><title>dbx-tui</title><p>dbx-tui received the sign-in answer. You can close this tab and return to the terminal.";
const PAGE_NOT_HERE: &str =
    "<!doctype html><meta charset=utf-8><title>dbx-tui</title><p>Not a sign-in answer.";

impl Listener {
    /// The redirect URI registered for the CLI's public client: `http://localhost:PORT`.
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// Waits for the browser's redirect. Requests that carry no answer (a favicon) get a 404
    /// and are skipped; a connection that stalls is dropped.
    pub async fn next_answer(&self) -> Answer {
        loop {
            let Ok((mut stream, _)) = self.inner.accept().await else {
                continue;
            };
            let Ok(Some(head)) = tokio::time::timeout(READ_LIMIT, read_head(&mut stream)).await
            else {
                continue;
            };
            let target = head
                .lines()
                .next()
                .and_then(|l| l.split(' ').nth(1))
                .unwrap_or_default()
                .to_owned();
            // The head holds the code: wiped once read.
            drop(zeroize::Zeroizing::new(head));
            let answer = answer_from(&target);
            let (status, page) = if answer.is_some() {
                ("200 OK", PAGE_DONE)
            } else {
                ("404 Not Found", PAGE_NOT_HERE)
            };
            let reply = format!(
                "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
            let _ = stream.shutdown().await;
            drop(zeroize::Zeroizing::new(target));
            if let Some(a) = answer {
                return a;
            }
        }
    }
}

/// The request line and headers, up to the blank line.
async fn read_head(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() + n > MAX_HEAD {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8(buf).ok();
    chunk.fill(0);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_answer_from_an_address_or_a_query() {
        for text in [
            "http://localhost:8020/?code=c-1&state=s-1",
            " http://localhost:8033?state=s-1&code=c-1\n",
            "?code=c-1&state=s-1",
            "code=c-1&state=s-1",
            "/?code=c-1&state=s-1",
        ] {
            match answer_from(text) {
                Some(Answer::Code { code, state }) => {
                    assert_eq!((code.expose(), state.as_str()), ("c-1", "s-1"), "{text}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(matches!(
            answer_from("http://localhost:8020/?error=access_denied&error_description=no+thanks"),
            Some(Answer::Error { error, description }) if error == "access_denied" && description == "no thanks"
        ));
        assert!(answer_from("http://localhost:8020/favicon.ico").is_none());
        assert!(answer_from("").is_none());
    }

    #[tokio::test]
    async fn answers_the_browser_and_skips_requests_without_an_answer() {
        let l = bind(0..=0).await.unwrap();
        let port = l.inner.local_addr().unwrap().port();
        let wait = tokio::spawn(async move { l.next_answer().await });
        crate::api::client::install_tls_provider();
        let http = reqwest::Client::new();
        let favicon = http
            .get(format!("http://127.0.0.1:{port}/favicon.ico"))
            .send()
            .await
            .unwrap();
        assert_eq!(favicon.status().as_u16(), 404);
        let done = http
            .get(format!("http://127.0.0.1:{port}/?code=abc&state=xyz"))
            .send()
            .await
            .unwrap();
        assert_eq!(done.status().as_u16(), 200);
        assert!(
            done.text()
                .await
                .unwrap()
                .contains("return to the terminal")
        );
        match wait.await.unwrap() {
            Answer::Code { code, state } => assert_eq!((code.expose(), &*state), ("abc", "xyz")),
            other @ Answer::Error { .. } => panic!("{other:?}"),
        }
    }
}
