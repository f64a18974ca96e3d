//! Our retry policy, as a tower service under async-openai: 429 and 5xx are retried up to
//! `max_retries` times with exponential backoff, honouring `Retry-After`; other statuses and
//! successes pass straight through. async-openai's own retry layer (three retries with its own
//! sleeps) is replaced by this one, so behaviour and test time do not follow library defaults.
//! The body of the response it returns is watched as it is read (`guarded`): capped in size, and
//! an event stream that ends without `[DONE]` says so (`CUT_OFF`) rather than looking complete.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_openai::error::OpenAIError;
use async_openai::middleware::{HttpRequestFactory, ReqwestService};
use futures::{Stream, StreamExt};
use reqwest::Response;

/// The longest `Retry-After` we are willing to wait: a user is waiting for a grade.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base: Duration,
}

impl RetryPolicy {
    /// How long to wait before retry number `attempt` (0-based), or None when not to retry.
    pub fn delay(&self, status: u16, retry_after: Option<&str>, attempt: u32) -> Option<Duration> {
        let retryable = status == 429 || (500..600).contains(&status);
        if !retryable || attempt >= self.max_retries {
            return None;
        }
        let backoff = self.base * 2u32.saturating_pow(attempt);
        let told = retry_after
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0);
        Some(
            told.map_or(backoff, Duration::from_secs_f64)
                .min(MAX_RETRY_AFTER),
        )
    }
}

#[derive(Debug, Clone)]
pub struct Retrying {
    inner: ReqwestService,
    policy: RetryPolicy,
}

impl Retrying {
    pub fn new(client: reqwest::Client, policy: RetryPolicy) -> Retrying {
        Retrying {
            inner: ReqwestService::new(client),
            policy,
        }
    }
}

impl tower::Service<HttpRequestFactory> for Retrying {
    type Response = Response;
    type Error = OpenAIError;
    type Future = Pin<Box<dyn Future<Output = Result<Response, OpenAIError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequestFactory) -> Self::Future {
        let mut inner = self.inner.clone();
        let policy = self.policy;
        Box::pin(async move {
            let mut attempt = 0;
            loop {
                let response = inner.call(request.clone()).await?;
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                match policy.delay(response.status().as_u16(), retry_after.as_deref(), attempt) {
                    Some(delay) => {
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                    }
                    None => return Ok(guarded(response)),
                }
            }
        })
    }
}

/// The most a plain reply's body may hold, and a streamed reply's text: a verdict is a few KB,
/// and a server that sends megabytes would otherwise fill memory, the call log and the terminal.
pub const MAX_REPLY_BYTES: usize = 256 * 1024;

/// Why a body was cut off at `MAX_REPLY_BYTES`; `LlmError::from_body_error` finds it again.
#[derive(Debug, thiserror::Error)]
#[error("the reply is larger than {} KB", MAX_REPLY_BYTES / 1024)]
pub struct TooLarge;

/// The key of the event a `Watch` adds to an event stream that closed without `data: [DONE]`:
/// a server cut off mid-reply closes the connection the same way a finished one does, and the
/// reply's reader (`StreamAccumulator`) decides whether what came is complete.
pub const CUT_OFF: &str = "viva_cut_off";

type BodyError = Box<dyn std::error::Error + Send + Sync>;

/// The response with its body read through a `Watch`.
fn guarded(response: Response) -> Response {
    let events = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/event-stream"));
    let mut head = http::Response::builder()
        .status(response.status())
        .version(response.version());
    if let Some(headers) = head.headers_mut() {
        *headers = response.headers().clone();
    }
    let body = watched(response.bytes_stream(), Watch::new(events));
    Response::from(
        head.body(reqwest::Body::wrap_stream(body))
            .expect("a head copied from a valid response"),
    )
}

fn watched(
    inner: impl Stream<Item = reqwest::Result<bytes::Bytes>> + Send + Unpin + 'static,
    watch: Watch,
) -> impl Stream<Item = Result<bytes::Bytes, BodyError>> + Send + 'static {
    futures::stream::unfold(Some((inner, watch)), |state| async move {
        let (mut inner, mut watch) = state?;
        match inner.next().await {
            Some(Ok(chunk)) => match watch.see(&chunk) {
                Ok(()) => Some((Ok(chunk), Some((inner, watch)))),
                Err(e) => Some((Err(e), None)),
            },
            Some(Err(e)) => Some((Err(e.into()), None)),
            None => watch.end().map(|marker| (Ok(marker), None)),
        }
    })
}

/// What a body has shown so far: its size, and for an event stream whether `[DONE]` came.
struct Watch {
    events: bool,
    read: usize,
    /// The last bytes seen, so a marker split between chunks is still found; starts as a line
    /// break, so a marker at the very start counts.
    tail: Vec<u8>,
    done: bool,
}

impl Watch {
    /// `data: [DONE]` at the start of a line: inside a JSON payload a line break is escaped, so
    /// model text cannot forge it.
    const DONE: [&[u8]; 2] = [b"\ndata: [DONE]", b"\ndata:[DONE]"];

    fn new(events: bool) -> Watch {
        Watch {
            events,
            read: 0,
            tail: b"\n".to_vec(),
            done: false,
        }
    }

    /// A plain body is capped here; a stream's text is capped as it is put together, since
    /// event framing can be many times the size of the text it carries.
    fn see(&mut self, chunk: &[u8]) -> Result<(), BodyError> {
        self.read += chunk.len();
        if !self.events {
            return match self.read > MAX_REPLY_BYTES {
                true => Err(TooLarge.into()),
                false => Ok(()),
            };
        }
        let mut window = std::mem::take(&mut self.tail);
        window.extend_from_slice(chunk);
        self.done |= Watch::DONE
            .iter()
            .any(|m| window.windows(m.len()).any(|w| w == *m));
        let keep = window.len().saturating_sub(Watch::DONE[0].len());
        self.tail = window.split_off(keep);
        Ok(())
    }

    /// The `CUT_OFF` event, for an event stream that ended without `[DONE]`.
    fn end(&self) -> Option<bytes::Bytes> {
        (self.events && !self.done).then(|| format!("data: {{\"{CUT_OFF}\": true}}\n\n").into())
    }
}

/// True when `err` or an error beneath it (directly or inside an `io::Error`) is an `E`.
pub(super) fn caused_by<E: std::error::Error + 'static>(
    err: &(dyn std::error::Error + 'static),
) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        let inner = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|i| i as &(dyn std::error::Error + 'static));
        if e.is::<E>() || inner.is_some_and(|i| i.is::<E>()) {
            return true;
        }
        next = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_retries: 2,
        base: Duration::from_millis(100),
    };

    #[test]
    fn retries_429_and_5xx_with_doubling_backoff() {
        assert_eq!(POLICY.delay(429, None, 0), Some(Duration::from_millis(100)));
        assert_eq!(POLICY.delay(503, None, 1), Some(Duration::from_millis(200)));
        assert_eq!(POLICY.delay(500, None, 2), None, "two retries at most");
    }

    #[test]
    fn never_retries_other_statuses() {
        for status in [200, 400, 401, 404, 422] {
            assert_eq!(POLICY.delay(status, Some("1"), 0), None, "{status}");
        }
    }

    #[test]
    fn honours_retry_after_within_a_cap() {
        assert_eq!(
            POLICY.delay(429, Some("2"), 0),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            POLICY.delay(429, Some("0.5"), 0),
            Some(Duration::from_millis(500))
        );
        assert_eq!(POLICY.delay(429, Some("3600"), 0), Some(MAX_RETRY_AFTER));
        assert_eq!(
            POLICY.delay(429, Some("Wed, 21 Oct 2026 07:28:00 GMT"), 0),
            Some(Duration::from_millis(100))
        );
    }

    /// The marker added at the end, or the error the body stopped with.
    fn watch(events: bool, chunks: &[&[u8]]) -> Result<Option<bytes::Bytes>, BodyError> {
        let mut w = Watch::new(events);
        chunks.iter().try_for_each(|c| w.see(c))?;
        Ok(w.end())
    }

    #[test]
    fn an_event_stream_is_complete_only_with_done_even_split_across_chunks() {
        assert_eq!(
            watch(true, &[b"data: {}\n\ndata: [DO", b"NE]\n\n"]).unwrap(),
            None
        );
        assert_eq!(watch(true, &[b"data: [DONE]\n\n"]).unwrap(), None);
        let cut = watch(true, &[b"data: {\"content\": \"x [DONE]\"}\n\n"]).unwrap();
        assert!(String::from_utf8_lossy(&cut.unwrap()).contains(CUT_OFF));
    }

    #[test]
    fn a_plain_body_is_capped() {
        let big = vec![b' '; MAX_REPLY_BYTES + 1];
        assert!(watch(false, &[&big]).unwrap_err().is::<TooLarge>());
        assert_eq!(watch(false, &[&big[1..]]).unwrap(), None);
    }
}
