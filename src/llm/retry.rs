//! Our retry policy, as a tower service under async-openai: 429 and 5xx are retried up to
//! `max_retries` times with exponential backoff, honouring `Retry-After`; other statuses and
//! successes pass straight through. async-openai's own retry layer (three retries with its own
//! sleeps) is replaced by this one, so behaviour and test time do not follow library defaults.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_openai::error::OpenAIError;
use async_openai::middleware::{HttpRequestFactory, ReqwestService};
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
                    None => return Ok(response),
                }
            }
        })
    }
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
}
